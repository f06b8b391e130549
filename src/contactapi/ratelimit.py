"""Per-location rate limit, exact across every server process of one machine.

Each location owns a slot in a small memory-mapped file shared by the processes (`--workers N`):
a ring of the timestamps of its last N accepted requests. A request is accepted when the oldest
of them is older than the window, so no window of that length ever holds more than N accepted
requests (a fixed window or a token bucket lets up to 2N through across a boundary). The slot
is updated under an exclusive `flock` of the file: a few microseconds, no database write.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import mmap
import os
import re
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from contactapi.errors import TooManyRequests

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*s?\s*$")
SLOTS = 1024
PROBES = 16
_HEADER = struct.Struct("<qq")  # location key, position of the oldest timestamp in the ring


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
        if not match or not 1 <= int(match[1]) <= 100_000 or int(match[2]) < 1:
            raise ValueError(
                f"rate limit must look like 100/10s (at most 100000) or be off, not {spec!r}"
            )
        return cls(int(match[1]), int(match[2]))

    @property
    def window_ms(self) -> int:
        return self.window_seconds * 1000

    def headers(self, remaining: int) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-max", str(self.max_requests).encode()),
            (b"x-ratelimit-remaining", str(remaining).encode()),
            (b"x-ratelimit-interval-milliseconds", str(self.window_ms).encode()),
        ]


def _location_key(location_id: str) -> int:
    key = int.from_bytes(hashlib.blake2b(location_id.encode(), digest_size=8).digest(), "little")
    return (key & 0x7FFF_FFFF_FFFF_FFFF) or 1


class SharedRateLimiter:
    """The limiter; one instance per process, all processes of a server share `path`."""

    def __init__(self, limit: RateLimit, path: Path) -> None:
        self.limit = limit
        self._ring = struct.Struct(f"<{limit.max_requests}q")
        self._slot_size = _HEADER.size + self._ring.size
        size = SLOTS * self._slot_size
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size != size:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if os.fstat(fd).st_size != size:  # another process may have sized it meanwhile
                    os.ftruncate(fd, 0)
                    os.ftruncate(fd, size)
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(fd, size)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)

    def hit(self, location_id: str) -> list[tuple[bytes, bytes]]:
        """Counts one request; returns the headers, or raises TooManyRequests."""
        key = _location_key(location_id)
        now = time.time_ns() // 1_000_000
        horizon = now - self.limit.window_ms
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            offset = self._find_slot(key, horizon)
            if offset is None:  # every probed slot busy with other live locations: let it pass
                return self.limit.headers(0)
            position = _HEADER.unpack_from(self._map, offset)[1]
            ring = offset + _HEADER.size
            stamps = self._ring.unpack_from(self._map, ring)
            oldest = stamps[position]
            if oldest > horizon:
                retry_ms = oldest - horizon
                raise TooManyRequests(max(1, math.ceil(retry_ms / 1000)), self.limit.headers(0))
            struct.pack_into("<q", self._map, ring + 8 * position, now)
            _HEADER.pack_into(self._map, offset, key, (position + 1) % self.limit.max_requests)
            used = sum(1 for stamp in stamps if stamp > horizon) + 1
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return self.limit.headers(self.limit.max_requests - used)

    def _find_slot(self, key: int, horizon: int) -> int | None:
        start = key % SLOTS
        reusable = None
        for probe in range(PROBES):
            offset = ((start + probe) % SLOTS) * self._slot_size
            owner, position = _HEADER.unpack_from(self._map, offset)
            if owner == key:
                return offset
            if reusable is None and (owner == 0 or self._idle(offset, position, horizon)):
                reusable = offset
        if reusable is not None:
            self._map[reusable : reusable + self._slot_size] = bytes(self._slot_size)
            _HEADER.pack_into(self._map, reusable, key, 0)
        return reusable

    def _idle(self, offset: int, position: int, horizon: int) -> bool:
        """No request of the slot's owner within the window: the slot can change hands."""
        newest_index = (position - 1) % self.limit.max_requests
        newest = struct.unpack_from("<q", self._map, offset + _HEADER.size + 8 * newest_index)[0]
        return bool(newest <= horizon)


def state_file(state_dir: str, database_url: str, limit: RateLimit) -> Path:
    """One file per database and limit: the servers of one database share their counts, and
    a server with another limit (another slot size) never resizes a file others have mapped."""
    directory = Path(state_dir or tempfile.gettempdir())
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return directory / f"contactapi-ratelimit-{digest}-{limit.max_requests}.bin"
