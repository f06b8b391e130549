"""Small shared helpers: ids, clock, timestamp formats."""

from __future__ import annotations

import secrets
import string
import time
from datetime import datetime, timedelta

_ALPHABET = string.ascii_letters + string.digits
_EPOCH = datetime(1970, 1, 1)  # naive UTC, so isoformat() carries no offset


def new_id(length: int = 20) -> str:
    """A random id of [A-Za-z0-9], like v1's (`ocQHyuzHvysMo5N5VsXc`)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_ms(epoch_ms: int | None) -> str | None:
    """`2020-10-29T09:31:30.255Z`, the contract's timestamp format."""
    if epoch_ms is None:
        return None
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds") + "Z"
