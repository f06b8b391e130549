"""Small shared helpers: ids, clock, timestamp formats."""

from __future__ import annotations

import secrets
import string
import time
from datetime import UTC, datetime

_ALPHABET = string.ascii_letters + string.digits


def new_id(length: int = 20) -> str:
    """A random id of [A-Za-z0-9], like v1's (`ocQHyuzHvysMo5N5VsXc`)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_ms(epoch_ms: int | None) -> str | None:
    """`2020-10-29T09:31:30.255Z`, the contract's timestamp format."""
    if epoch_ms is None:
        return None
    dt = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
