"""Tag endpoints: a contact's tags, and the location's tags in use."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.db.session import Scope, endpoint
from contactapi.errors import json_response
from contactapi.http import both_slashes
from contactapi.tags.service import ContactTagService


@endpoint(write=True, body="required")
async def add_contact_tags(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    tags = await ContactTagService(scope).add(request.path_params["contactId"], body)
    return json_response({"tags": tags})


@endpoint(write=True, body="required")
async def remove_contact_tags(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    tags = await ContactTagService(scope).remove(request.path_params["contactId"], body)
    return json_response({"tags": tags})


@endpoint(write=False)
async def list_tags(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    return json_response({"tags": await ContactTagService(scope).in_use()})


routes: list[BaseRoute] = [
    *both_slashes("/v1/contacts/{contactId}/tags", add_contact_tags, ["POST"]),
    *both_slashes("/v1/contacts/{contactId}/tags", remove_contact_tags, ["DELETE"]),
    *both_slashes("/v1/tags", list_tags, ["GET"]),
]
