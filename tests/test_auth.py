"""The per-process key cache: a revoked key stops working; a cached key expires."""

from __future__ import annotations

import time

from starlette.applications import Starlette

from contactapi.auth import KeyCache, Location, generate_key, hash_key, key_cache
from tests.factories import Api


def test_key_cache_expires_and_forgets() -> None:
    cache = KeyCache(ttl=0.05)
    location = Location("loc", False, "US")
    cache.put("k", location)
    assert cache.get("k") == location
    cache.forget("k")
    assert cache.get("k") is None
    cache.put("k", location)
    time.sleep(0.06)
    assert cache.get("k") is None


def test_key_cache_is_bounded() -> None:
    cache = KeyCache(ttl=10, max_entries=2)
    for token in ("a", "b", "c"):
        cache.put(token, Location(token, False, "US"))
    assert cache.get("a") is None
    assert cache.get("b") is not None and cache.get("c") is not None


async def test_revoked_in_another_process_stops_within_the_ttl(app: Starlette, api: Api) -> None:
    # Revocation as another process does it: straight in the database, no cache to clear.
    assert (await api.get("/v1/contacts/lookup?email=a@b.co")).status_code == 200
    await app.state.db.run(
        lambda conn: conn.execute(
            "UPDATE api_keys SET revoked_at = 1 WHERE key_hash = $1", hash_key(api.key)
        ),
        write=True,
    )
    time.sleep(key_cache.ttl + 0.05)
    assert (await api.get("/v1/contacts/lookup?email=a@b.co")).status_code == 401


def test_keys_are_long_random_and_prefixed() -> None:
    keys = {generate_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(key.startswith("capi_") and len(key) == 37 and key[5:].isalnum() for key in keys)
