"""Calendar team endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.calendar_teams.schemas import TeamInput, parse_team, slug
from contactapi.calendar_teams.service import TeamService
from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked, FieldInvalid
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_teams(request: Request, scope: LocationScope) -> Response:
    return json_response({"teams": await TeamService(scope).all(parse_page(request.query_params))})


@endpoint_with_body(parse_team)
async def create_team(
    request: Request, scope: LocationScope, payload: Checked[TeamInput]
) -> Response:
    return json_response(await TeamService(scope).create(payload))


@endpoint(write=False)
async def get_team(request: Request, scope: LocationScope) -> Response:
    return json_response(await TeamService(scope).get(request.path_params["teamId"]))


@endpoint_with_body(parse_team)
async def update_team(
    request: Request, scope: LocationScope, payload: Checked[TeamInput]
) -> Response:
    return json_response(await TeamService(scope).update(request.path_params["teamId"], payload))


@endpoint(write=True)
async def delete_team(request: Request, scope: LocationScope) -> Response:
    await TeamService(scope).delete(request.path_params["teamId"])
    return empty_ok()


@endpoint(write=False)
async def check_slug(request: Request, scope: LocationScope) -> Response:
    """A slug no team or service of the location holds; one that is not a slug never is."""
    sent = request.path_params["slug"]
    try:
        normalised = slug("slug", sent)
    except FieldInvalid:
        normalised = None
    available = normalised is not None and await TeamService(scope).slug_available(normalised)
    return json_response({"slug": sent, "isSlugAvailable": available})


routes: list[BaseRoute] = [
    *both_slashes("/v1/calendars/teams", list_teams, ["GET"]),
    *both_slashes("/v1/calendars/teams", create_team, ["POST"]),
    *both_slashes("/v1/calendars/teams/{teamId}", get_team, ["GET"]),
    *both_slashes("/v1/calendars/teams/{teamId}", update_team, ["PUT"]),
    *both_slashes("/v1/calendars/teams/{teamId}", delete_team, ["DELETE"]),
    *both_slashes("/v1/calendars/check-slug-availability/{slug}", check_slug, ["GET"]),
]
