"""Custom field endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.custom_fields.schemas import (
    FieldInput,
    prepare_field_changes,
    prepare_new_field,
)
from contactapi.custom_fields.service import CustomFieldService
from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_fields(request: Request, scope: LocationScope) -> Response:
    page = parse_page(request.query_params)
    return json_response({"customFields": await CustomFieldService(scope).all(page)})


@endpoint_with_body(prepare_new_field)
async def create_field(
    request: Request, scope: LocationScope, payload: Checked[FieldInput]
) -> Response:
    return json_response(await CustomFieldService(scope).create(payload))


@endpoint(write=False)
async def get_field(request: Request, scope: LocationScope) -> Response:
    field_id = request.path_params["customFieldId"]
    return json_response(await CustomFieldService(scope).get(field_id))


@endpoint_with_body(prepare_field_changes)
async def update_field(
    request: Request, scope: LocationScope, payload: Checked[FieldInput]
) -> Response:
    field_id = request.path_params["customFieldId"]
    return json_response(await CustomFieldService(scope).update(field_id, payload))


@endpoint(write=True)
async def delete_field(request: Request, scope: LocationScope) -> Response:
    await CustomFieldService(scope).delete(request.path_params["customFieldId"])
    return empty_ok()


routes: list[BaseRoute] = [
    *both_slashes("/v1/custom-fields", list_fields, ["GET"]),
    *both_slashes("/v1/custom-fields", create_field, ["POST"]),
    *both_slashes("/v1/custom-fields/{customFieldId}", get_field, ["GET"]),
    *both_slashes("/v1/custom-fields/{customFieldId}", update_field, ["PUT"]),
    *both_slashes("/v1/custom-fields/{customFieldId}", delete_field, ["DELETE"]),
]
