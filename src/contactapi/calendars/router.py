"""Calendar endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.calendars.schemas import CalendarInput, parse_calendar
from contactapi.calendars.service import CalendarService
from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes


@endpoint(write=False, slow=True)
async def list_calendars(request: Request, scope: LocationScope) -> Response:
    page = parse_page(request.query_params)
    return json_response({"calendars": await CalendarService(scope).all(page)})


@endpoint_with_body(parse_calendar)
async def create_calendar(
    request: Request, scope: LocationScope, payload: Checked[CalendarInput]
) -> Response:
    return json_response({"calendar": await CalendarService(scope).create(payload)})


routes: list[BaseRoute] = [
    *both_slashes("/v1/calendars", list_calendars, ["GET"]),
    *both_slashes("/v1/calendars", create_calendar, ["POST"]),
]
