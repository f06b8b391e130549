"""Location endpoints (`/v1/locations/`): an agency key manages its locations; a location key
may read its own location, and nothing else here (401)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.locations.schemas import LocationInput, parse_location
from contactapi.locations.service import LocationService
from contactapi.scope import CallerScope
from contactapi.validation import Checked
from contactapi.web.endpoint import caller_endpoint, caller_endpoint_with_body
from contactapi.web.http import both_slashes


@caller_endpoint(write=False, slow=True)
async def list_locations(request: Request, scope: CallerScope) -> Response:
    page = parse_page(request.query_params)
    return json_response({"locations": await LocationService(scope).list(page)})


@caller_endpoint(write=False)
async def lookup_location(request: Request, scope: CallerScope) -> Response:
    email = request.query_params.get("email")
    return json_response(await LocationService(scope).lookup(email))


@caller_endpoint_with_body(parse_location)
async def create_location(
    request: Request, scope: CallerScope, payload: Checked[LocationInput]
) -> Response:
    return json_response(await LocationService(scope).create(payload))


@caller_endpoint(write=False)
async def get_location(request: Request, scope: CallerScope) -> Response:
    return json_response(await LocationService(scope).get(request.path_params["locationId"]))


@caller_endpoint_with_body(parse_location)
async def update_location(
    request: Request, scope: CallerScope, payload: Checked[LocationInput]
) -> Response:
    location_id = request.path_params["locationId"]
    return json_response(await LocationService(scope).update(location_id, payload))


@caller_endpoint(write=True)
async def delete_location(request: Request, scope: CallerScope) -> Response:
    """v1 answers `{"msg": "Success"}`; the location's data goes in the background."""
    await LocationService(scope).delete(request.path_params["locationId"])
    return json_response({"msg": "Success"})


routes: list[BaseRoute] = [
    *both_slashes("/v1/locations", list_locations, ["GET"]),
    *both_slashes("/v1/locations", create_location, ["POST"]),
    *both_slashes("/v1/locations/lookup", lookup_location, ["GET"]),
    *both_slashes("/v1/locations/{locationId}", get_location, ["GET"]),
    *both_slashes("/v1/locations/{locationId}", update_location, ["PUT"]),
    *both_slashes("/v1/locations/{locationId}", delete_location, ["DELETE"]),
]
