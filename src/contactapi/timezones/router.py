"""`GET /v1/timezones/`: every IANA time zone name `zoneinfo` knows (from `tzdata`), sorted."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.scope import LocationScope
from contactapi.web.endpoint import endpoint
from contactapi.web.http import both_slashes


@lru_cache(maxsize=1)
def _timezones() -> list[str]:
    return sorted(available_timezones())


@endpoint(write=False)
async def list_timezones(request: Request, scope: LocationScope) -> Response:
    return json_response({"timezones": _timezones()})


routes: list[BaseRoute] = [*both_slashes("/v1/timezones", list_timezones, ["GET"])]
