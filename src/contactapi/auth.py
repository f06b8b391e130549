"""API keys: a fixed prefix, 190 random bits, stored only as a SHA-256 hash.

Keys are high-entropy, so a fast unsalted hash is enough (nothing to brute-force) and lets the
key be found by an index lookup; the stored hash is still compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable

from contactapi.core import random_base62
from contactapi.db.engine import Connection, Database, Row
from contactapi.errors import Unauthorized
from contactapi.scope import Location

__all__ = ["KeyCache", "Location", "authenticate", "generate_key", "hash_key", "key_cache"]

KEY_PREFIX = "capi_"
_KEY_BODY_LENGTH = 32  # 32 * log2(62) = 190 bits


def generate_key() -> str:
    return KEY_PREFIX + random_base62(_KEY_BODY_LENGTH)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_LOOKUP = """
SELECT k.key_hash, l.id, l.allow_duplicate_contacts, l.country
FROM api_keys k JOIN locations l ON l.id = k.location_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL
"""


class KeyCache:
    """Keys this process verified in the last `ttl` seconds, with their location.

    A contact read is two point reads, one of them the key; remembering the key for a second
    spares a third of a read's database work. The price: a key revoked (or a location changed)
    from another process is honoured here up to `ttl` seconds later. Revocation from this
    process takes effect at once. Only valid keys are kept, at most `max_entries`.
    """

    def __init__(self, ttl: float = 1.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Location, float]] = {}

    def get(self, token: str) -> Location | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            del self._entries[token]
            return None
        return entry[0]

    def put(self, token: str, location: Location) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]  # the oldest
        self._entries[token] = (location, time.monotonic() + self.ttl)

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)

    def clear(self) -> None:
        self._entries.clear()


key_cache = KeyCache()


async def authenticate(db: Database, token: str) -> Location:
    """The location the key belongs to (from the cache, else one read); 401 otherwise."""
    cached = key_cache.get(token)
    if cached is not None:
        return cached
    digest = hash_key(token)

    def lookup(conn: Connection) -> Awaitable[Row | None]:
        return conn.fetch_one(_LOOKUP, digest)

    row = await db.run(lookup, write=False)
    if row is None or not hmac.compare_digest(row["key_hash"], digest):
        raise Unauthorized()
    location = Location(row["id"], bool(row["allow_duplicate_contacts"]), row["country"])
    key_cache.put(token, location)
    return location
