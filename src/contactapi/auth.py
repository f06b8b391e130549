"""API keys: a fixed prefix, 190 random bits, stored only as a SHA-256 hash.

A location key (`capi_`) reaches its location's data; an agency key (`capa_`) manages the
agency's locations and users. The prefix tells which table holds a key, so each key costs one
lookup.

Keys are high-entropy, so a fast unsalted hash is enough (nothing to brute-force) and lets the
key be found by an index lookup; the stored hash is still compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable
from functools import partial
from typing import Generic, TypeVar

from contactapi.core import now_ms, random_base62
from contactapi.db.engine import Connection, Database, Row, start_background
from contactapi.errors import Unauthorized
from contactapi.scope import Agency, Caller, Location

__all__ = [
    "KeyCache",
    "Location",
    "agency_key_cache",
    "authenticate",
    "authenticate_agency",
    "authenticate_caller",
    "generate_agency_key",
    "generate_key",
    "hash_key",
    "key_cache",
]

log = logging.getLogger("contactapi.auth")

KEY_PREFIX = "capi_"
AGENCY_KEY_PREFIX = "capa_"
_KEY_BODY_LENGTH = 32  # 32 * log2(62) = 190 bits


def generate_key() -> str:
    return KEY_PREFIX + random_base62(_KEY_BODY_LENGTH)


def generate_agency_key() -> str:
    return AGENCY_KEY_PREFIX + random_base62(_KEY_BODY_LENGTH)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# How stale `api_keys.last_used_at` may be: it is written at most this often per process.
LAST_USED_PRECISION_MS = 60_000

_LOOKUP = """
SELECT k.key_hash, k.id AS key_id, k.last_used_at, l.id, l.allow_duplicate_contacts, l.country
FROM api_keys k JOIN locations l ON l.id = k.location_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND l.deleted_at IS NULL
"""
_AGENCY_LOOKUP = """
SELECT key_hash, id AS key_id, last_used_at, agency_id FROM agency_keys
WHERE key_hash = $1 AND revoked_at IS NULL
"""
T = TypeVar("T")


class KeyCache(Generic[T]):
    """Keys this process verified in the last `ttl` seconds, with their location (or agency).

    A contact read is two point reads, one of them the key; remembering the key for a second
    spares a third of a read's database work. The price: a key revoked (or a location changed)
    from another process is honoured here up to `ttl` seconds later. Revocation from this
    process takes effect at once. Only valid keys are kept, at most `max_entries`.
    """

    def __init__(self, ttl: float = 1.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[T, float]] = {}

    def get(self, token: str) -> T | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            del self._entries[token]
            return None
        return entry[0]

    def put(self, token: str, location: T) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]  # the oldest
        self._entries[token] = (location, time.monotonic() + self.ttl)

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)

    def clear(self) -> None:
        self._entries.clear()


key_cache: KeyCache[Location] = KeyCache()
agency_key_cache: KeyCache[Agency] = KeyCache()


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
    _note_use(db, "api_keys", "location_id", location.id, row)
    key_cache.put(token, location)
    return location


async def authenticate_agency(db: Database, token: str) -> Agency:
    """The agency an agency key belongs to; 401 otherwise (a location key included)."""
    cached = agency_key_cache.get(token)
    if cached is not None:
        return cached
    digest = hash_key(token)
    row = await db.run(lambda conn: conn.fetch_one(_AGENCY_LOOKUP, digest), write=False)
    if row is None or not hmac.compare_digest(row["key_hash"], digest):
        raise Unauthorized()
    agency = Agency(row["agency_id"])
    _note_use(db, "agency_keys", "agency_id", agency.id, row)
    agency_key_cache.put(token, agency)
    return agency


async def authenticate_caller(db: Database, token: str) -> Caller:
    """A location or an agency, as the key's prefix says."""
    if token.startswith(AGENCY_KEY_PREFIX):
        return await authenticate_agency(db, token)
    return await authenticate(db, token)


def _note_use(db: Database, table: str, owner: str, owner_id: str, row: Row) -> None:
    now = now_ms()
    if (row["last_used_at"] or 0) < now - LAST_USED_PRECISION_MS:
        # In the background: a request never waits for this write (nor for a write lock).
        start_background(db, partial(_touch, table, owner, owner_id, row["key_id"], now))


async def _touch(
    table: str, owner: str, owner_id: str, key_id: str, now: int, db: Database
) -> None:
    """Records that the key was used (for `keys list`): at most once a minute, after the
    lookup that follows the key cache's expiry. Best effort: a failure is logged only."""

    def touch(conn: Connection) -> Awaitable[int]:
        return conn.execute(
            f"UPDATE {table} SET last_used_at = $3 WHERE {owner} = $1 AND id = $2",
            owner_id,
            key_id,
            now,
        )

    try:
        await db.run(touch, write=True)
    except Exception:
        log.warning("could not record the use of key %s", key_id, exc_info=True)
