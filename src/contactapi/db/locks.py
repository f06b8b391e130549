"""Names locked for a transaction (`Connection.lock`): PostgreSQL advisory locks by key."""

from __future__ import annotations

import hashlib


def lock_key(*parts: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
