"""Tag endpoints: a contact's tags, and the location's tags in use."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.tags.service import ContactTagService, parse_tag_body
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes


@endpoint_with_body(parse_tag_body)
async def add_contact_tags(
    request: Request, scope: LocationScope, names: Checked[list[str]]
) -> Response:
    tags = await ContactTagService(scope).add(request.path_params["contactId"], names)
    return json_response({"tags": tags})


@endpoint_with_body(parse_tag_body)
async def remove_contact_tags(
    request: Request, scope: LocationScope, names: Checked[list[str]]
) -> Response:
    tags = await ContactTagService(scope).remove(request.path_params["contactId"], names)
    return json_response({"tags": tags})


@endpoint(write=False, slow=True)
async def list_tags(request: Request, scope: LocationScope) -> Response:
    page = parse_page(request.query_params)
    return json_response({"tags": await ContactTagService(scope).in_use(page)})


routes: list[BaseRoute] = [
    *both_slashes("/v1/contacts/{contactId}/tags", add_contact_tags, ["POST"]),
    *both_slashes("/v1/contacts/{contactId}/tags", remove_contact_tags, ["DELETE"]),
    *both_slashes("/v1/tags", list_tags, ["GET"]),
]
