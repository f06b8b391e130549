"""Small shared helpers: ids, clock, timestamp formats."""

from __future__ import annotations

import secrets
import string
import time

_ALPHABET = string.ascii_letters + string.digits


# Bytes 0..247 map evenly onto the 62 characters (248 = 4 * 62); 248..255 are dropped.
_BYTE_TO_CHAR = bytes(ord(_ALPHABET[b % 62]) for b in range(248)) + bytes(8)
_DROPPED = bytes(range(248, 256))


def random_base62(length: int) -> str:
    """`length` uniform characters of [A-Za-z0-9] from the system's CSPRNG, in one read and one
    C-level translation (secrets.choice per character cost ~2.5 us each)."""
    chars = b""
    while len(chars) < length:
        chars += secrets.token_bytes(length + 8).translate(_BYTE_TO_CHAR, _DROPPED)
    return chars[:length].decode()


def new_id(length: int = 20) -> str:
    """A random id of [A-Za-z0-9], like v1's (`ocQHyuzHvysMo5N5VsXc`)."""
    return random_base62(length)


# Base 36: digits, then lowercase letters, sort in this order under any collation.
_TIME_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def time_prefix(at: int) -> str:
    """`at` (milliseconds) as 8 base-36 digits, which sort as the times do."""
    prefix = ""
    while at:
        at, digit = divmod(at, 36)
        prefix = _TIME_DIGITS[digit] + prefix
    return prefix.rjust(8, "0")


def ordered_id() -> str:
    """20 characters of [A-Za-z0-9] like every id, whose first 8 are the time (milliseconds in
    base 36) and the other 12 random (71 bits): each new one lands at the end of its location's
    range of an index on (location, id), not at a random page of it (one random index write
    less per row: at a million rows, a page read and a page written to the log)."""
    return time_prefix(now_ms()) + random_base62(12)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# The last second formatted (`iso_ms`): most timestamps made at once share it.
_last_second: tuple[int, str] = (-1, "")


def iso_ms(epoch_ms: int | None) -> str | None:
    """`2020-10-29T09:31:30.255Z`, the contract's timestamp format."""
    global _last_second
    if epoch_ms is None:
        return None
    second, millis = divmod(epoch_ms, 1000)
    last, text = _last_second
    if second != last:
        t = time.gmtime(second)
        text = (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:"
                f"{t.tm_min:02d}:{t.tm_sec:02d}")  # fmt: skip
        _last_second = (second, text)
    return f"{text}.{millis:03d}Z"


class ConfigurationError(Exception):
    """Something the operator must fix (a path, a port, a URL): told in one line, no trace."""
