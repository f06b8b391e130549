"""User endpoints: a location key or an agency key may call them (the service decides what
each reaches); v1's bare objects and `{"users": [...]}` lists."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import ValidationFailed, json_response
from contactapi.limits import parse_page
from contactapi.scope import Agency, CallerScope
from contactapi.users.passwords import with_password_hashed
from contactapi.users.schemas import UserInput, parse_user
from contactapi.users.service import UserService
from contactapi.validation import Checked
from contactapi.web.endpoint import caller_endpoint, caller_endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@caller_endpoint(write=False, slow=True)
async def list_users(request: Request, scope: CallerScope) -> Response:
    page = parse_page(request.query_params)
    location_id = (request.query_params.get("locationId") or "").strip() or None
    return json_response({"users": await UserService(scope).list(page, location_id)})


@caller_endpoint(write=False, slow=True)
async def list_location_users(request: Request, scope: CallerScope) -> Response:
    """The users of the key's location; an agency key names the location (`locationId`)."""
    page = parse_page(request.query_params)
    location_id = (request.query_params.get("locationId") or "").strip() or None
    if location_id is None:
        if isinstance(scope.caller, Agency):
            raise ValidationFailed.one("locationId", "The location id field is mandatory.",
                                       "required")  # fmt: skip
        location_id = scope.caller.id
    return json_response({"users": await UserService(scope).list(page, location_id)})


@caller_endpoint(write=False)
async def lookup_user(request: Request, scope: CallerScope) -> Response:
    return json_response(await UserService(scope).lookup(request.query_params.get("email")))


@caller_endpoint_with_body(parse_user, prepare=with_password_hashed)
async def create_user(
    request: Request, scope: CallerScope, payload: Checked[UserInput]
) -> Response:
    return json_response(await UserService(scope).create(payload))


@caller_endpoint(write=False)
async def get_user(request: Request, scope: CallerScope) -> Response:
    return json_response(await UserService(scope).get(request.path_params["userId"]))


@caller_endpoint_with_body(parse_user, prepare=with_password_hashed)
async def update_user(
    request: Request, scope: CallerScope, payload: Checked[UserInput]
) -> Response:
    return json_response(await UserService(scope).update(request.path_params["userId"], payload))


@caller_endpoint(write=True)
async def delete_user(request: Request, scope: CallerScope) -> Response:
    await UserService(scope).delete(request.path_params["userId"])
    return empty_ok()


routes: list[BaseRoute] = [
    *both_slashes("/v1/users", list_users, ["GET"]),
    *both_slashes("/v1/users", create_user, ["POST"]),
    *both_slashes("/v1/users/location", list_location_users, ["GET"]),
    *both_slashes("/v1/users/lookup", lookup_user, ["GET"]),
    *both_slashes("/v1/users/{userId}", get_user, ["GET"]),
    *both_slashes("/v1/users/{userId}", update_user, ["PUT"]),
    *both_slashes("/v1/users/{userId}", delete_user, ["DELETE"]),
]
