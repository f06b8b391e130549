"""Workflow endpoints, and a contact's enrollments."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.db.session import Scope, endpoint
from contactapi.errors import json_response
from contactapi.http import both_slashes, empty_ok
from contactapi.workflows.service import WorkflowService


@endpoint(write=False)
async def list_workflows(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    workflows = await WorkflowService(scope).all()
    # `workflows` is the contract's key; v1's documented example reads `workflow`, so
    # integrations written against either find the list.
    return json_response({"workflows": workflows, "workflow": workflows})


@endpoint(write=True, body="required")
async def create_workflow(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    return json_response({"workflow": await WorkflowService(scope).create(body)})


@endpoint(write=True, body="optional")
async def enroll_contact(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    params = request.path_params
    await WorkflowService(scope).enroll(params["contactId"], params["workflowId"], body)
    return empty_ok()


@endpoint(write=True)
async def remove_enrollment(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    params = request.path_params
    await WorkflowService(scope).remove(params["contactId"], params["workflowId"])
    return empty_ok()


@endpoint(write=False)
async def contact_workflows(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
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
