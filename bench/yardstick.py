"""The framework-free ASGI app every benchmark divides by: a fixed 600-byte JSON answer."""

from __future__ import annotations

import json
from typing import Any

_BODY = json.dumps(
    {"contact": {"id": "ocQHyuzHvysMo5N5VsXc", "note": "x" * 520}}, separators=(",", ":")
).encode()
BODY = _BODY + b" " * (600 - len(_BODY))
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
