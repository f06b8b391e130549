"""Small shared helpers: ids, clock, timestamp formats."""

from __future__ import annotations

import math
import secrets
import string
import time
from datetime import datetime, timedelta

_ALPHABET = string.ascii_letters + string.digits
_EPOCH = datetime(1970, 1, 1)  # naive UTC, so isoformat() carries no offset


def random_base62(length: int) -> str:
    """`length` characters of [A-Za-z0-9] from one read of the system's CSPRNG (one read per
    character cost ~2.5 us each). The bytes drawn exceed the characters' entropy by 16 bits, so
    the modulo bias is negligible."""
    number = int.from_bytes(secrets.token_bytes(math.ceil(length * math.log2(62) / 8) + 2))
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def new_id(length: int = 20) -> str:
    """A random id of [A-Za-z0-9], like v1's (`ocQHyuzHvysMo5N5VsXc`)."""
    return random_base62(length)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_ms(epoch_ms: int | None) -> str | None:
    """`2020-10-29T09:31:30.255Z`, the contract's timestamp format."""
    if epoch_ms is None:
        return None
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds") + "Z"
