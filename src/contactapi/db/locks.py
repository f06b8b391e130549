"""Transaction-scoped locks on names (PostgreSQL advisory locks; SQLite writers are already
serialised by BEGIN IMMEDIATE)."""

from __future__ import annotations

import hashlib

from contactapi.db.engine import Connection


def lock_key(*parts: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_name(conn: Connection, *parts: str) -> None:
    """Hold a lock on the name `parts` until the transaction ends."""
    if conn.dialect == "postgresql":
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(*parts))
