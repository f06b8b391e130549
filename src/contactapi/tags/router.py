"""Tag endpoints: a contact's tags, and the location's tags in use."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.tags.service import (
    ContactTagService,
    LocationTagService,
    parse_tag_body,
    parse_tag_name,
)
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


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
    return json_response({"tags": await ContactTagService(scope).all(page)})


@endpoint_with_body(parse_tag_name)
async def create_tag(request: Request, scope: LocationScope, name: Checked[str]) -> Response:
    return json_response(await LocationTagService(scope).create(name))


@endpoint(write=False)
async def get_tag(request: Request, scope: LocationScope) -> Response:
    return json_response(await LocationTagService(scope).get(request.path_params["tagId"]))


@endpoint_with_body(parse_tag_name)
async def rename_tag(request: Request, scope: LocationScope, name: Checked[str]) -> Response:
    tag = await LocationTagService(scope).rename(request.path_params["tagId"], name)
    return json_response(tag)


@endpoint(write=True)
async def delete_tag(request: Request, scope: LocationScope) -> Response:
    await LocationTagService(scope).delete(request.path_params["tagId"])
    return empty_ok()


routes: list[BaseRoute] = [
    *both_slashes("/v1/contacts/{contactId}/tags", add_contact_tags, ["POST"]),
    *both_slashes("/v1/contacts/{contactId}/tags", remove_contact_tags, ["DELETE"]),
    *both_slashes("/v1/tags", list_tags, ["GET"]),
    *both_slashes("/v1/tags", create_tag, ["POST"]),
    *both_slashes("/v1/tags/{tagId}", get_tag, ["GET"]),
    *both_slashes("/v1/tags/{tagId}", rename_tag, ["PUT"]),
    *both_slashes("/v1/tags/{tagId}", delete_tag, ["DELETE"]),
]
