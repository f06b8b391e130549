"""`GET /metrics`: on the API's port (no API key: keep the port private or filter the path at
the proxy), or alone on a port of its own (`CONTACTAPI_METRICS_PORT`), served by every server
process (SO_REUSEPORT): each answers with the sum over all of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from starlette.requests import Request
from starlette.responses import Response

from contactapi import metrics
from contactapi.db.engine import Connection, Database, Row

log = logging.getLogger("contactapi.metrics")
# A scrape's request line and headers: read within this long and this size, or dropped.
REQUEST_TIMEOUT_SECONDS = 10.0
MAX_REQUEST_BYTES = 16 * 1024


async def _backlog(conn: Connection) -> tuple[list[Row], int]:
    jobs = await conn.fetch_all(
        "SELECT kind, count(*) AS jobs, min(created_at) AS oldest FROM jobs GROUP BY kind"
    )
    # Deliveries held behind the head of their contact's line are waiting too.
    pending = await conn.fetch_value(
        "SELECT count(*) FROM webhook_deliveries WHERE status IN ('pending', 'queued')"
    )
    return jobs, int(pending)


async def scrape(db: Database, recorder: metrics.Recorder) -> bytes:
    try:
        # Counting a long backlog takes a while: off the event loop, like the lists.
        jobs, pending = await db.run(_backlog, write=False, slow=True)
    except Exception:  # the database is away: the processes' own figures still answer
        log.warning("metrics: the queue's figures could not be read", exc_info=True)
        families = []
    else:
        now_ms = time.time_ns() // 1_000_000
        families = metrics.queue_families([dict(row) for row in jobs], pending, now_ms)
    recorder.flush()  # this process's figures up to now
    # Reading every process's files is file I/O: off the event loop.
    return await asyncio.to_thread(metrics.exposition, recorder, families)


async def metrics_endpoint(request: Request) -> Response:
    state = request.app.state
    return Response(await scrape(state.db, state.metrics), media_type=metrics.CONTENT_TYPE)


class MetricsServer:
    """A minimal HTTP/1.0 server that answers `GET /metrics` (and 404 to anything else), one
    request per connection: what Prometheus needs, without a second web stack."""

    def __init__(self, db: Database, recorder: metrics.Recorder, host: str, port: int) -> None:
        self.db = db
        self.recorder = recorder
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, reuse_port=True, limit=MAX_REQUEST_BYTES
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            method, path, *_ = [*head.split(b"\r\n", 1)[0].split(b" "), b"", b""]
            if method == b"GET" and path.split(b"?", 1)[0] == b"/metrics":
                status, body = b"200 OK", await scrape(self.db, self.recorder)
                content_type = metrics.CONTENT_TYPE.encode()
            else:
                status, body, content_type = b"404 Not Found", b"Not Found\n", b"text/plain"
            writer.write(
                b"HTTP/1.0 " + status + b"\r\nContent-Type: " + content_type
                + b"\r\nContent-Length: " + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n" + body
            )  # fmt: skip
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # a client that sent too little, too much or went away: dropped
        except Exception:
            log.exception("metrics scrape failed")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
