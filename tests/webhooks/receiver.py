"""A real HTTP receiver for webhook tests: a threaded server on a free local port that records
what arrives and answers by path: `/ok` 200, `/status/N` N, `/flaky` 500 once then 200,
`/hang/S` after S seconds, `/endless` 200 with a body that never ends."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = orjson.loads(self.body)
        return value


@dataclass
class Receiver:
    base_url: str
    received: list[Received] = field(default_factory=list)
    flaky_seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [item for item in self.received if item.path == path]

    def wait_for(self, path: str, count: int, seconds: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = self.at(path)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise TimeoutError(f"{len(self.at(path))} of {count} deliveries reached {path}")


@contextmanager
def receiver(port: int = 0) -> Iterator[Receiver]:
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                            time.monotonic())  # fmt: skip
            with state.lock:
                state.received.append(item)
            status = 200
            if self.path.startswith("/status/"):
                status = int(self.path.rsplit("/", 1)[1])
            elif self.path == "/flaky":
                event = item.json["webhookId"]
                with state.lock:
                    first = event not in state.flaky_seen
                    state.flaky_seen.add(event)
                status = 500 if first else 200
            elif self.path.startswith("/hang/"):
                time.sleep(float(self.path.rsplit("/", 1)[1]))
            elif self.path == "/endless":  # until the sender hangs up
                self.send_response(200)
                self.end_headers()
                with contextlib.suppress(OSError):
                    while True:
                        self.wfile.write(b"x" * 65536)
                return
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    state = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
