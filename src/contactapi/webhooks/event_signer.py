"""GHL's two signatures of many events at once (`SigningKeys.event_headers`), made in a
process of its own when a claim brings many: the RSA one costs ~480 us of CPU here and holds
the GIL, so a dispatcher signing its batches inline would leave the other core idle while it
could be sending. A few events are signed inline: no process is started for an idle server.

The signer is `python -m contactapi.webhooks.event_signer`, spoken to over its standard input
and output, one JSON line each way: the keys' private PEMs first (never in its arguments or
environment), then a list of bodies per request, answered by their signatures in order."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections import deque

import orjson

from contactapi.webhooks.signing import SigningKeys, load_keys, pem_pair

log = logging.getLogger("contactapi.webhooks")

# Events in one call, at least, worth the hop to the signer process.
OFFLOAD_AT = 8
# A line of the signer's answers may be this long (a chunk's signatures take ~15 KB).
LINE_LIMIT = 16 * 1024 * 1024


class EventSigner:
    def __init__(self, keys: SigningKeys) -> None:
        self.keys = keys
        self._process: asyncio.subprocess.Process | None = None
        self._waiting: deque[asyncio.Future[list[dict[str, str]]]] = deque()
        self._reader: asyncio.Task[None] | None = None
        self._running = False  # its keys loaded: it answers at once
        self._starter: asyncio.Task[asyncio.subprocess.Process] | None = None
        self._offload = (os.cpu_count() or 1) > 1

    async def _start(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            self._running = False
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "contactapi.webhooks.event_signer",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=LINE_LIMIT,
            )  # fmt: skip
            assert self._process.stdin is not None
            keys = {"rsa": pem_pair(self.keys.rsa)[0], "ed25519": pem_pair(self.keys.ed25519)[0]}
            self._process.stdin.write(orjson.dumps(keys) + b"\n")
            self._reader = asyncio.create_task(self._read(self._process))
        return self._process

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            self._running = await process.stdout.readline() == b"ready\n"
            while line := await process.stdout.readline():
                waiter = self._waiting.popleft()
                if not waiter.done():
                    waiter.set_result(orjson.loads(line))
        finally:  # it ended: whoever still waits signs inline
            self._running = False
            waiting, self._waiting = self._waiting, deque()
            for waiter in waiting:
                if not waiter.done():
                    waiter.set_exception(ConnectionError("signer process ended"))

    def _ready(self) -> asyncio.subprocess.Process | None:
        """The running signer; else None, and one is started meanwhile (signing goes on
        inline until it runs: a start costs ~0.2 s, more under load)."""
        if self._running and self._process is not None and self._process.returncode is None:
            return self._process
        if self._starter is None or self._starter.done():
            self._starter = asyncio.create_task(self._start())
        return None

    async def sign(self, bodies: list[bytes]) -> list[dict[str, str]]:
        if self._offload and len(bodies) >= OFFLOAD_AT and (process := self._ready()):
            try:
                assert process.stdin is not None
                waiter = asyncio.get_running_loop().create_future()
                self._waiting.append(waiter)
                process.stdin.write(orjson.dumps([body.decode() for body in bodies]) + b"\n")
                signed: list[dict[str, str]] = await waiter
                return signed
            except (ConnectionError, OSError):
                log.warning("webhook signer process unavailable; signing inline")
        return [self.keys.event_headers(body) for body in bodies]

    async def close(self) -> None:
        if self._starter is not None:
            await asyncio.gather(self._starter, return_exceptions=True)
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()  # it ends at the end of its input
            await process.wait()
        if self._reader is not None:
            await self._reader


def main() -> None:
    """The signer process: keys, then a list of bodies per line, answered in order."""
    keys_line = sys.stdin.buffer.readline()
    pems = orjson.loads(keys_line)
    keys = load_keys(pems["rsa"], pems["ed25519"])
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        signed = [keys.event_headers(body.encode()) for body in orjson.loads(line)]
        out.write(orjson.dumps(signed) + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
