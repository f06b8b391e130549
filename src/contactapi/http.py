"""Request plumbing: JSON bodies whatever the Content-Type, the size limit, both slash forms."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from contactapi.errors import BadRequest, PayloadTooLarge

MAX_BODY_BYTES = 1024 * 1024

Endpoint = Callable[[Request], Awaitable[Response]]


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with 413 past `limit` before anything is parsed."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("invalid Content-Length")
        if int(declared) > limit:
            raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


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


def empty_ok() -> Response:
    """200 with an empty body: memberships and deletes."""
    return Response(b"", 200)


def both_slashes(path: str, endpoint: Endpoint, methods: list[str]) -> list[BaseRoute]:
    """One route that answers with and without a trailing slash, neither redirecting."""
    route = Route(path.rstrip("/"), endpoint, methods=methods)
    pattern = route.path_regex.pattern
    assert pattern.endswith("$")
    route.path_regex = re.compile(pattern[:-1] + "/?$")
    return [route]
