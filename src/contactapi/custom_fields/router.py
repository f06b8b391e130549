"""Custom field endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.custom_fields.service import CustomFieldService
from contactapi.db.session import Scope, endpoint
from contactapi.errors import json_response
from contactapi.http import both_slashes, empty_ok


@endpoint(write=False)
async def list_fields(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    return json_response({"customFields": await CustomFieldService(scope).all()})


@endpoint(write=True, body="required")
async def create_field(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    return json_response(await CustomFieldService(scope).create(body))


@endpoint(write=False)
async def get_field(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    field_id = request.path_params["customFieldId"]
    return json_response(await CustomFieldService(scope).get(field_id))


@endpoint(write=True, body="required")
async def update_field(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    field_id = request.path_params["customFieldId"]
    return json_response(await CustomFieldService(scope).update(field_id, body))


@endpoint(write=True)
async def delete_field(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    await CustomFieldService(scope).delete(request.path_params["customFieldId"])
    return empty_ok()


routes: list[BaseRoute] = [
    *both_slashes("/v1/custom-fields", list_fields, ["GET"]),
    *both_slashes("/v1/custom-fields", create_field, ["POST"]),
    *both_slashes("/v1/custom-fields/{customFieldId}", get_field, ["GET"]),
    *both_slashes("/v1/custom-fields/{customFieldId}", update_field, ["PUT"]),
    *both_slashes("/v1/custom-fields/{customFieldId}", delete_field, ["DELETE"]),
]
