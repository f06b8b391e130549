"""Workflow endpoints, and a contact's enrollments."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok
from contactapi.workflows.schemas import WorkflowInput, parse_enrollment, parse_workflow
from contactapi.workflows.service import WorkflowService


@endpoint(write=False, slow=True)
async def list_workflows(request: Request, scope: LocationScope) -> Response:
    workflows = await WorkflowService(scope).all(parse_page(request.query_params))
    # `workflows` is the contract's key; v1's documented example reads `workflow`, so
    # integrations written against either find the list.
    return json_response({"workflows": workflows, "workflow": workflows})


@endpoint_with_body(parse_workflow)
async def create_workflow(
    request: Request, scope: LocationScope, payload: Checked[WorkflowInput]
) -> Response:
    return json_response({"workflow": await WorkflowService(scope).create(payload)})


@endpoint_with_body(parse_enrollment, required=False)
async def enroll_contact(
    request: Request, scope: LocationScope, payload: Checked[int | None]
) -> Response:
    params = request.path_params
    await WorkflowService(scope).enroll(params["contactId"], params["workflowId"], payload)
    return empty_ok()


@endpoint(write=True)
async def remove_enrollment(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    await WorkflowService(scope).remove(params["contactId"], params["workflowId"])
    return empty_ok()


@endpoint(write=False)
async def contact_workflows(request: Request, scope: LocationScope) -> Response:
    enrollments = await WorkflowService(scope).of_contact(request.path_params["contactId"])
    return json_response({"workflows": enrollments})


_ENROLLMENT = "/v1/contacts/{contactId}/workflow/{workflowId}"

routes: list[BaseRoute] = [
    *both_slashes("/v1/workflows", list_workflows, ["GET"]),
    *both_slashes("/v1/workflows", create_workflow, ["POST"]),
    *both_slashes(_ENROLLMENT, enroll_contact, ["POST"]),
    *both_slashes(_ENROLLMENT, remove_enrollment, ["DELETE"]),
    *both_slashes("/v1/contacts/{contactId}/workflows", contact_workflows, ["GET"]),
]
