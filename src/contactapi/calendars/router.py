"""Calendar endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.calendars.service import CalendarService
from contactapi.db.session import Scope, endpoint
from contactapi.errors import json_response
from contactapi.http import both_slashes


@endpoint(write=False)
async def list_calendars(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    return json_response({"calendars": await CalendarService(scope).all()})


@endpoint(write=True, body="required")
async def create_calendar(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    return json_response({"calendar": await CalendarService(scope).create(body)})


routes: list[BaseRoute] = [
    *both_slashes("/v1/calendars", list_calendars, ["GET"]),
    *both_slashes("/v1/calendars", create_calendar, ["POST"]),
]
