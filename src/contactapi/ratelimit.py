"""Per-location limits, exact across every server process of one machine: a sliding window
(`--rate-limit`, 100 requests per 10 s by default) and a daily quota (`--daily-limit`).

Each location owns a slot in a memory-mapped file shared by the processes (`--workers N`): a
ring of the timestamps of its last N accepted requests, and its count for the day. A request is
accepted when the oldest of them is older than the window, so no window of that length ever
holds more than N accepted requests (a fixed window or a token bucket lets up to 2N through
across a boundary). The slot is updated under an exclusive `flock` of the file: a few
microseconds, no database write.

The slots form an open-addressing table sized for hundreds of thousands of locations (the
file is sparse: only slots in use take memory). A slot changes hands only once its owner is
idle (no request in the window, none counted today), so every count stays exact; when no slot
is free the request is refused (fail closed), never let through uncounted.

Window timestamps come from the monotonic clock, which every process of a machine shares and
which never steps back; the file's name carries the boot id, since that clock restarts at boot.

This is the default store, for one machine. With `--rate-limit-store redis://...` the machines
of a server share one window per location in Redis instead (`ratelimit_redis.py`); both answer
through `RateLimiter`, announce with `LimitHeaders` and refuse through `refuse`.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import mmap
import os
import re
import stat
import struct
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from contactapi.core import ConfigurationError
from contactapi.errors import TooManyRequests

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*s?\s*$")
# Slots for this many locations at most; fewer when rings are long (a 16 GiB sparse file).
MAX_SLOTS = 1 << 18
_MAX_FILE_BYTES = 1 << 34
# Slots a lookup tries from its home slot (linear probing): the table is at most ~40% full at
# 100,000 locations, where chains this long practically never occur.
MAX_PROBES = 256
# Location key, position of the oldest timestamp in the ring, day number, requests that day.
_HEADER = struct.Struct("<qqqq")
_MS_PER_DAY = 86_400_000
# Added to the monotonic clock (which starts near 0 at boot), so that an unused ring entry (0)
# is always older than any window.
_CLOCK_BASE_MS = 1 << 50


class StateDirError(ConfigurationError):
    """The state directory is not private to this user."""


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


class RateLimiter(Protocol):
    """Counts one request of a location: its limit headers, or TooManyRequests (`refuse`)."""

    async def admit(self, location_id: str) -> list[tuple[bytes, bytes]]: ...

    async def aclose(self) -> None: ...


def refuse(retry_after_seconds: int, headers: list[tuple[bytes, bytes]]) -> TooManyRequests:
    """The one way a limit refuses a request, whichever store counts (a place to count them)."""
    return TooManyRequests(retry_after_seconds, headers)


class LimitHeaders:
    """The contract's limit headers of an answer, from what the window and the day hold."""

    def __init__(self, limit: RateLimit | None, daily_limit: int | None) -> None:
        self.limit = limit
        self.daily_limit = daily_limit
        self._window = (
            [
                (b"x-ratelimit-max", str(limit.max_requests).encode()),
                (b"x-ratelimit-interval-milliseconds", str(limit.window_ms).encode()),
            ]
            if limit
            else []
        )
        self._daily = (
            [(b"x-ratelimit-limit-daily", str(daily_limit).encode())] if daily_limit else []
        )

    def __call__(self, window_used: int, day_count: int) -> list[tuple[bytes, bytes]]:
        headers = list(self._window)
        if self.limit:
            remaining = max(0, self.limit.max_requests - window_used)
            headers.append((b"x-ratelimit-remaining", str(remaining).encode()))
        if self.daily_limit:
            headers.extend(self._daily)
            remaining = max(0, self.daily_limit - day_count)
            headers.append((b"x-ratelimit-daily-remaining", str(remaining).encode()))
        return headers

    def uncounted(self) -> list[tuple[bytes, bytes]]:
        """The limits alone, no remaining count: for an answer that nothing counted."""
        return [*self._window, *self._daily]


def parse_daily_limit(spec: str) -> int | None:
    """`200000` -> 200000; `off` -> None."""
    if spec.strip().lower() == "off":
        return None
    if not spec.strip().isdigit() or int(spec) < 1:
        raise ValueError(f"daily limit must be a positive number or off, not {spec!r}")
    return int(spec)


def _location_key(location_id: str) -> int:
    key = int.from_bytes(hashlib.blake2b(location_id.encode(), digest_size=8).digest(), "little")
    return (key & 0x7FFF_FFFF_FFFF_FFFF) or 1


class SharedRateLimiter:
    """The limiter; one instance per process, all processes of a server share `path`."""

    def __init__(
        self, limit: RateLimit | None, daily_limit: int | None, path: Path, slots: int = 0
    ) -> None:
        self.limit = limit
        self.daily_limit = daily_limit
        self._ring_length = limit.max_requests if limit else 0
        self._ring = struct.Struct(f"<{self._ring_length}q")
        self._slot_size = _HEADER.size + self._ring.size
        self.slots = slots or min(MAX_SLOTS, _MAX_FILE_BYTES // self._slot_size)
        size = self.slots * self._slot_size
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, 0o600)
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
        self._headers = LimitHeaders(limit, daily_limit)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)

    async def admit(self, location_id: str) -> list[tuple[bytes, bytes]]:
        return self.hit(location_id)

    async def aclose(self) -> None:
        self.close()

    def hit(self, location_id: str) -> list[tuple[bytes, bytes]]:
        """Counts one request; returns the headers, or raises TooManyRequests."""
        key = _location_key(location_id)
        now = time.monotonic_ns() // 1_000_000 + _CLOCK_BASE_MS
        today = time.time_ns() // 1_000_000 // _MS_PER_DAY
        horizon = now - self.limit.window_ms if self.limit else 0
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            offset = self._find_slot(key, horizon, today)
            if offset is None:  # every slot held by a live location: refuse, never pass
                raise refuse(1, self._headers(self._ring_length, self.daily_limit or 0))
            _, position, day, day_count = _HEADER.unpack_from(self._map, offset)
            if day != today:
                day_count = 0
            window_used = 0
            if self.limit:
                ring = offset + _HEADER.size
                stamps = self._ring.unpack_from(self._map, ring)
                oldest = stamps[position]
                window_used = sum(1 for stamp in stamps if stamp > horizon)
                if oldest > horizon:
                    retry = max(1, math.ceil((oldest - horizon) / 1000))
                    raise refuse(retry, self._headers(window_used, day_count))
            if self.daily_limit and day_count >= self.daily_limit:
                until_tomorrow = (today + 1) * _MS_PER_DAY - time.time_ns() // 1_000_000
                retry = max(1, math.ceil(until_tomorrow / 1000))
                raise refuse(retry, self._headers(window_used, day_count))
            if self.limit:
                struct.pack_into("<q", self._map, ring + 8 * position, now)
                position = (position + 1) % self._ring_length
            _HEADER.pack_into(self._map, offset, key, position, today, day_count + 1)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return self._headers(window_used + 1, day_count + 1)

    def _find_slot(self, key: int, horizon: int, today: int) -> int | None:
        """The key's slot, else a free one (claimed for it), else None. Probing stops at a
        never-used slot: keys are never removed, so a key sits before the first of them."""
        start = key % self.slots
        reusable = None
        # A key is only ever placed within MAX_PROBES of its home slot, so the search stops
        # there: a full table costs a bounded walk under the lock every process shares.
        for probe in range(min(self.slots, MAX_PROBES)):
            offset = ((start + probe) % self.slots) * self._slot_size
            owner, position, day, _ = _HEADER.unpack_from(self._map, offset)
            if owner == key:
                return offset
            if owner == 0:
                reusable = offset if reusable is None else reusable
                break
            if reusable is None and self._idle(offset, position, horizon, day, today):
                reusable = offset
        if reusable is not None:
            self._map[reusable : reusable + self._slot_size] = bytes(self._slot_size)
            _HEADER.pack_into(self._map, reusable, key, 0, today, 0)
        return reusable

    def _idle(self, offset: int, position: int, horizon: int, day: int, today: int) -> bool:
        """Nothing of the owner's counts would be lost: no request in the window, none today
        (when days are counted)."""
        if self.daily_limit and day == today:
            return False
        if not self.limit:
            return True
        newest_index = (position - 1) % self._ring_length
        newest = struct.unpack_from("<q", self._map, offset + _HEADER.size + 8 * newest_index)[0]
        return bool(newest <= horizon)


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def private_dir(state_dir: str) -> Path:
    """`state_dir`, or a directory of this user's in the temp directory: created 0700, and
    refused unless it is a real directory that only this user can enter (in a shared temp
    directory, another user could have placed it, or a link, first)."""
    directory = Path(state_dir or Path(tempfile.gettempdir()) / f"contactapi-{os.getuid()}")
    with suppress(FileExistsError):
        directory.mkdir(mode=0o700, parents=True)
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise StateDirError(f"state directory {directory} is not a directory (a link?)")
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise StateDirError(
            f"state directory {directory} must belong to this user and be private (chmod 700)"
        )
    return directory


def state_file(state_dir: str, database_url: str, limit: RateLimit | None) -> Path:
    """One file per database, limit and boot: the servers of one database share their counts,
    and a server with another limit (another slot size) never resizes a file others have
    mapped."""
    digest = hashlib.sha256(f"{database_url}\n{_boot_id()}".encode()).hexdigest()[:16]
    length = limit.max_requests if limit else 0
    return private_dir(state_dir) / f"ratelimit-{digest}-{length}.bin"
