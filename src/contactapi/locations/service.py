"""Creating locations and keys: the rules behind `contactapi locations|keys`."""

from __future__ import annotations

from dataclasses import dataclass

import pycountry

from contactapi.auth import generate_key, hash_key, key_cache
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Connection
from contactapi.locations import repository


class LocationError(ValueError):
    """A bad argument to a location command."""


@dataclass(frozen=True)
class NewLocation:
    id: str
    name: str
    api_key: str


def normalise_country(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.strip().upper())
    if country is None:
        raise LocationError(f"unknown country code {code!r} (use ISO 3166-1 alpha-2, like US)")
    return str(country.alpha_2)


async def create_location(
    conn: Connection, name: str, allow_duplicates: bool = False, country: str = "US"
) -> NewLocation:
    if not name.strip():
        raise LocationError("the name must not be empty")
    location_id = new_id()
    await repository.insert_location(
        conn, location_id, name.strip(), allow_duplicates, normalise_country(country), now_ms()
    )
    key = await create_key(conn, location_id)
    return NewLocation(location_id, name.strip(), key)


async def create_key(conn: Connection, location_id: str) -> str:
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    key = generate_key()
    await repository.insert_key(conn, location_id, new_id(), hash_key(key), key[:9], now_ms())
    return key


async def update_location(
    conn: Connection, location_id: str, allow_duplicates: bool | None, country: str | None
) -> None:
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    key_cache.clear()  # cached keys carry the location's settings
    await repository.update_location(
        conn, location_id, allow_duplicates, normalise_country(country) if country else None
    )


async def revoke_key(conn: Connection, key: str) -> bool:
    key_cache.forget(key)
    return await repository.revoke_key(conn, hash_key(key), now_ms()) > 0
