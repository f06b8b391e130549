"""Trigger link endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.links.schemas import LinkInput, parse_link
from contactapi.links.service import LinkService
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_links(request: Request, scope: LocationScope) -> Response:
    return json_response({"links": await LinkService(scope).all(parse_page(request.query_params))})


@endpoint_with_body(parse_link)
async def create_link(
    request: Request, scope: LocationScope, payload: Checked[LinkInput]
) -> Response:
    return json_response(await LinkService(scope).create(payload))


@endpoint(write=False)
async def get_link(request: Request, scope: LocationScope) -> Response:
    return json_response(await LinkService(scope).get(request.path_params["linkId"]))


@endpoint_with_body(parse_link)
async def update_link(
    request: Request, scope: LocationScope, payload: Checked[LinkInput]
) -> Response:
    return json_response(await LinkService(scope).update(request.path_params["linkId"], payload))


@endpoint(write=True)
async def delete_link(request: Request, scope: LocationScope) -> Response:
    await LinkService(scope).delete(request.path_params["linkId"])
    return empty_ok()


routes: list[BaseRoute] = [
    *both_slashes("/v1/links", list_links, ["GET"]),
    *both_slashes("/v1/links", create_link, ["POST"]),
    *both_slashes("/v1/links/{linkId}", get_link, ["GET"]),
    *both_slashes("/v1/links/{linkId}", update_link, ["PUT"]),
    *both_slashes("/v1/links/{linkId}", delete_link, ["DELETE"]),
]
