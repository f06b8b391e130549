"""Per-request plumbing around the whole app: a request id, the rate-limit headers, and one
JSON access-log line (never the API key or a body)."""

from __future__ import annotations

import asyncio
import itertools
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


class AccessLog:
    """JSON lines to a file descriptor, written in batches: one write per request to a pipe
    (a container's or journald's stdout) cost more than the rest of a contact read. Lines
    reach the descriptor within `FLUSH_SECONDS`, at once past `FLUSH_BYTES`, and at shutdown;
    a crash may lose the last fraction of a second of lines."""

    FLUSH_SECONDS = 0.1
    FLUSH_BYTES = 64 * 1024

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._lines: list[bytes] = []
        self._size = 0
        self._flush_scheduled = False

    def write(self, line: dict[str, Any]) -> None:
        data = orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
        self._lines.append(data)
        self._size += len(data)
        if self._size >= self.FLUSH_BYTES:
            self.flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_later(self.FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        data, self._lines, self._size = b"".join(self._lines), [], 0
        while data:
            data = data[os.write(self.fd, data) :]


# Request ids only need to be unique, not secret: a random prefix, the process id (a forked
# worker shares its parent's prefix) and a counter.
_ID_PREFIX = secrets.token_hex(6)
_ID_COUNTER = itertools.count(1)


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            raw: bytes = value
            if _CLIENT_REQUEST_ID.match(raw.decode("latin-1")):
                return raw
    return f"{_ID_PREFIX}{os.getpid():06x}{next(_ID_COUNTER):010x}".encode()


class RequestContext:
    def __init__(
        self,
        app: ASGIApp,
        route_of: Callable[[Any], str | None],
        access_log: AccessLog,
        record: Callable[[Any, str | None, str, int, float], None] | None = None,
    ) -> None:
        self.app = app
        self.route_of = route_of
        self.access_log = access_log
        # Counts the request in the metrics (endpoint, route, method, status, seconds).
        self.record = record

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
            if status == 500:
                return  # Starlette's error handler answered it and logged it
            # A fault outside Starlette's routes (the hot routes): logged once, with its trace,
            # and answered with the contract's 500, never the trace.
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if status:
                raise
            await send_with_headers(
                {"type": "http.response.start", "status": 500, "headers": JSON_HEADERS}
            )
            await send_with_headers({"type": "http.response.body", "body": SERVER_ERROR})
        finally:
            seconds = time.perf_counter() - started
            endpoint = scope.get("endpoint")
            route = self.route_of(endpoint)
            if self.record is not None:
                self.record(endpoint, route, scope["method"], status, seconds)
            self.access_log.write(
                {
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "location_id": state.get("location_id"),
                    "request_id": request_id.decode(),
                }
            )
