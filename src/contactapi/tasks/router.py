"""Task endpoints: parse, call the service, shape the answer (v1's bare objects)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.tasks.schemas import TaskInput, parse_status_body, parse_task
from contactapi.tasks.service import TaskService
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_tasks(request: Request, scope: LocationScope) -> Response:
    page = parse_page(request.query_params)
    tasks = await TaskService(scope).list(request.path_params["contactId"], page)
    return json_response({"tasks": tasks})


@endpoint_with_body(parse_task)
async def create_task(
    request: Request, scope: LocationScope, payload: Checked[TaskInput]
) -> Response:
    return json_response(await TaskService(scope).create(request.path_params["contactId"], payload))


@endpoint(write=False)
async def get_task(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    return json_response(await TaskService(scope).get(params["contactId"], params["taskId"]))


@endpoint_with_body(parse_task)
async def update_task(
    request: Request, scope: LocationScope, payload: Checked[TaskInput]
) -> Response:
    params = request.path_params
    task = await TaskService(scope).update(params["contactId"], params["taskId"], payload)
    return json_response(task)


@endpoint_with_body(parse_status_body)
async def update_task_status(
    request: Request, scope: LocationScope, payload: Checked[str]
) -> Response:
    params = request.path_params
    task = await TaskService(scope).set_status(params["contactId"], params["taskId"], payload)
    return json_response(task)


@endpoint(write=True)
async def delete_task(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    await TaskService(scope).delete(params["contactId"], params["taskId"])
    return empty_ok()


_TASKS = "/v1/contacts/{contactId}/tasks"
routes: list[BaseRoute] = [
    *both_slashes(_TASKS, list_tasks, ["GET"]),
    *both_slashes(_TASKS, create_task, ["POST"]),
    *both_slashes(_TASKS + "/{taskId}", get_task, ["GET"]),
    *both_slashes(_TASKS + "/{taskId}", update_task, ["PUT"]),
    *both_slashes(_TASKS + "/{taskId}", delete_task, ["DELETE"]),
    *both_slashes(_TASKS + "/{taskId}/status", update_task_status, ["PUT"]),
]
