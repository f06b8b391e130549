"""Calendar service endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.calendar_services.schemas import ServiceInput, parse_service
from contactapi.calendar_services.service import ServiceService
from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_services(request: Request, scope: LocationScope) -> Response:
    page = parse_page(request.query_params)
    team_id = (request.query_params.get("teamId") or "").strip() or None
    return json_response({"services": await ServiceService(scope).all(team_id, page)})


@endpoint_with_body(parse_service)
async def create_service(
    request: Request, scope: LocationScope, payload: Checked[ServiceInput]
) -> Response:
    return json_response(await ServiceService(scope).create(payload))


@endpoint(write=False)
async def get_service(request: Request, scope: LocationScope) -> Response:
    return json_response(await ServiceService(scope).get(request.path_params["serviceId"]))


@endpoint_with_body(parse_service)
async def update_service(
    request: Request, scope: LocationScope, payload: Checked[ServiceInput]
) -> Response:
    service_id = request.path_params["serviceId"]
    return json_response(await ServiceService(scope).update(service_id, payload))


@endpoint(write=True)
async def delete_service(request: Request, scope: LocationScope) -> Response:
    await ServiceService(scope).delete(request.path_params["serviceId"])
    return empty_ok()


routes: list[BaseRoute] = [
    *both_slashes("/v1/calendars/services", list_services, ["GET"]),
    *both_slashes("/v1/calendars/services", create_service, ["POST"]),
    *both_slashes("/v1/calendars/services/{serviceId}", get_service, ["GET"]),
    *both_slashes("/v1/calendars/services/{serviceId}", update_service, ["PUT"]),
    *both_slashes("/v1/calendars/services/{serviceId}", delete_service, ["DELETE"]),
]
