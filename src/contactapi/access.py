"""Per-request plumbing around the whole app: a request id, the rate-limit headers, and one
JSON access-log line (never the API key or a body)."""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("contactapi")
SERVER_ERROR = b'{"msg":"Internal Server Error"}'
JSON_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(SERVER_ERROR)).encode()),
]
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            raw: bytes = value
            if _CLIENT_REQUEST_ID.match(raw.decode("latin-1")):
                return raw
    return secrets.token_hex(12).encode()


class RequestContext:
    def __init__(
        self, app: ASGIApp, route_of: Callable[[Any], str | None], log_fd: int = 1
    ) -> None:
        self.app = app
        self.route_of = route_of
        self.log_fd = log_fd

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id)]
                headers.extend(state.get("rate_limit_headers", ()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Answered here rather than by Starlette's outer handler, so that a 500 carries the
            # request id too (and is logged once, with its trace, never sent to the client).
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if status:
                raise
            await send_with_headers(
                {"type": "http.response.start", "status": 500, "headers": JSON_HEADERS}
            )
            await send_with_headers({"type": "http.response.body", "body": SERVER_ERROR})
        finally:
            line = {
                "method": scope["method"],
                "route": self.route_of(scope.get("endpoint")),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "location_id": state.get("location_id"),
                "request_id": request_id.decode(),
            }
            os.write(self.log_fd, orjson.dumps(line) + b"\n")
