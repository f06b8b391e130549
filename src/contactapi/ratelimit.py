"""Per-location rate limit: a fixed window per location, counted in this process.

The headers of the contract are set on every /v1 answer by `RateLimitHeaders`.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contactapi.errors import TooManyRequests

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*s?\s*$")


@dataclass(frozen=True)
class RateLimit:
    max_requests: int
    window_seconds: int

    @classmethod
    def parse(cls, spec: str) -> RateLimit | None:
        """`100/10s` -> RateLimit(100, 10); `off` -> None."""
        if spec.strip().lower() == "off":
            return None
        match = _SPEC.match(spec)
        if not match or int(match[1]) < 1 or int(match[2]) < 1:
            raise ValueError(f"rate limit must look like 100/10s or be off, not {spec!r}")
        return cls(int(match[1]), int(match[2]))


class RateLimiter:
    def __init__(self, limit: RateLimit | None) -> None:
        self.limit = limit
        self._windows: dict[str, tuple[int, int]] = {}

    async def check(self, request: Request, location_id: str) -> None:
        if self.limit is None:
            return
        window_ms = self.limit.window_seconds * 1000
        now = time.monotonic_ns() // 1_000_000
        window = now // window_ms
        current, count = self._windows.get(location_id, (window, 0))
        if current != window:
            count = 0
        count += 1
        self._windows[location_id] = (window, count)
        remaining = max(self.limit.max_requests - count, 0)
        request.state.rate_limit_headers = [
            (b"x-ratelimit-max", str(self.limit.max_requests).encode()),
            (b"x-ratelimit-remaining", str(remaining).encode()),
            (b"x-ratelimit-interval-milliseconds", str(window_ms).encode()),
        ]
        if count > self.limit.max_requests:
            reset_ms = (window + 1) * window_ms - now
            raise TooManyRequests(max(1, math.ceil(reset_ms / 1000)))


class RateLimitHeaders:
    """Adds the headers the limiter computed to the answer, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = scope.get("state", {}).get("rate_limit_headers")
                if extra:
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
