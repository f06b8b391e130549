"""Request plumbing: JSON bodies whatever the Content-Type, the size limit, both slash forms."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from contactapi.errors import ApiError, BadRequest, PayloadTooLarge, api_error_handler

MAX_BODY_BYTES = 1024 * 1024
# A host name or address with an optional port: nothing that could reshape the URL around it.
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")

Endpoint = Callable[[Request], Awaitable[Response]]


def raw_header(request: Request, name: bytes) -> str | None:
    """A header's value, read straight from the ASGI scope (`name` lower-case): cheaper than
    building Starlette's Headers, on every request's path."""
    for key, value in request.scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


def refuse_oversized(request: Request, limit: int = MAX_BODY_BYTES) -> None:
    """413 when the declared body is over `limit`, before it is read."""
    declared = raw_header(request, b"content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise BadRequest("invalid Content-Length")
        if int(declared) > limit:
            raise PayloadTooLarge()


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with 413 past `limit` before anything is parsed. Read from the
    ASGI messages themselves: `Request.stream()` is an async generator, and the event loop's
    bookkeeping of each one cost about 3% of a create."""
    refuse_oversized(request, limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            # The client went away, or sent a body the server could not frame (a malformed
            # chunk): either way the body is incomplete, which is the client's doing.
            raise BadRequest("the body ended before it was complete")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` unless one is required."""
    raw = await read_body(request)
    if not raw.strip():
        if required:
            raise BadRequest("the body must be a JSON object")
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("the body is not valid JSON") from exc
    if not isinstance(value, dict):
        raise BadRequest("the body must be a JSON object")
    return value


def public_origin(request: Request) -> str:
    """`scheme://host` as the client addressed us: the request's own, or what a trusted proxy
    (settings.trusted_proxies) says in X-Forwarded-Proto / X-Forwarded-Host."""
    scheme = request.url.scheme
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):  # the Host header is the client's word: take only a host
        server = request.scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    peer = request.client.host if request.client else None
    if peer is not None and peer in request.app.state.settings.trusted_proxy_set:
        # A proxy chain lists the client-facing hop first.
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            scheme = proto
        forwarded_host = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
        if forwarded_host and _HOST.fullmatch(forwarded_host):
            host = forwarded_host
    return f"{scheme}://{host}"


def empty_ok() -> Response:
    """200 with an empty body: memberships and deletes."""
    return Response(b"", 200)


def both_slashes(path: str, endpoint: Endpoint, methods: list[str]) -> list[BaseRoute]:
    """One route that answers with and without a trailing slash, neither redirecting."""
    route = Route(path.rstrip("/"), endpoint, methods=methods)
    pattern = route.path_regex.pattern
    assert pattern.endswith("$")
    # \Z, not $: `$` also matches before a final newline, so `/v1/contacts/%0A` was the list.
    route.path_regex = re.compile(pattern[:-1] + "/?\\Z")
    return [route]


class FastRoutes:
    """Dispatches the hottest routes straight to their endpoints, skipping Starlette's router
    and exception middleware (about a fifth of a contact read's cost). The endpoint, its
    transaction, auth and rules are the same ones the router would run; errors go through the
    same handler. Anything else falls through to the full app."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = [route for route in routes if isinstance(route, Route)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                match = route.path_regex.match(scope["path"])
                if match and route.methods and scope["method"] in route.methods:
                    scope["path_params"] = {
                        key: route.param_convertors[key].convert(value)
                        for key, value in match.groupdict().items()
                    }
                    scope["endpoint"] = route.endpoint
                    request = Request(scope, receive)
                    try:
                        response = await route.endpoint(request)
                    except ApiError as exc:
                        response = await api_error_handler(request, exc)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
