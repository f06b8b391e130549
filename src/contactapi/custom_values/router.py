"""Custom value endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.custom_values.schemas import CustomValueInput, parse_custom_value
from contactapi.custom_values.service import CustomValueService
from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_values(request: Request, scope: LocationScope) -> Response:
    values = await CustomValueService(scope).all(parse_page(request.query_params))
    # v1 answers this list under `customFields`; `customValues` says what it holds.
    return json_response({"customValues": values, "customFields": values})


@endpoint_with_body(parse_custom_value)
async def create_value(
    request: Request, scope: LocationScope, payload: Checked[CustomValueInput]
) -> Response:
    return json_response(await CustomValueService(scope).create(payload))


@endpoint(write=False)
async def get_value(request: Request, scope: LocationScope) -> Response:
    return json_response(await CustomValueService(scope).get(request.path_params["customValueId"]))


@endpoint_with_body(parse_custom_value)
async def update_value(
    request: Request, scope: LocationScope, payload: Checked[CustomValueInput]
) -> Response:
    value_id = request.path_params["customValueId"]
    return json_response(await CustomValueService(scope).update(value_id, payload))


@endpoint(write=True)
async def delete_value(request: Request, scope: LocationScope) -> Response:
    await CustomValueService(scope).delete(request.path_params["customValueId"])
    return empty_ok()


routes: list[BaseRoute] = [
    *both_slashes("/v1/custom-values", list_values, ["GET"]),
    *both_slashes("/v1/custom-values", create_value, ["POST"]),
    *both_slashes("/v1/custom-values/{customValueId}", get_value, ["GET"]),
    *both_slashes("/v1/custom-values/{customValueId}", update_value, ["PUT"]),
    *both_slashes("/v1/custom-values/{customValueId}", delete_value, ["DELETE"]),
]
