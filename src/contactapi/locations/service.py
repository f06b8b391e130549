"""Creating locations and keys: the rules behind `contactapi locations|keys`."""

from __future__ import annotations

from dataclasses import dataclass

import pycountry

from contactapi.auth import generate_key, hash_key, key_cache
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Connection, Row
from contactapi.locations import repository


class LocationError(ValueError):
    """A bad argument to a location command."""


@dataclass(frozen=True)
class NewKey:
    id: str
    secret: str


@dataclass(frozen=True)
class NewLocation:
    id: str
    name: str
    api_key: str
    api_key_id: str


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
    return NewLocation(location_id, name.strip(), key.secret, key.id)


async def create_key(conn: Connection, location_id: str, label: str | None = None) -> NewKey:
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    if label is not None and len(label.strip()) > 100:
        raise LocationError("the label may be at most 100 characters")
    key = NewKey(new_id(), generate_key())
    label = (label or "").strip() or None
    prefix = key.secret[:9]
    await repository.insert_key(
        conn, location_id, key.id, hash_key(key.secret), prefix, label, now_ms()
    )
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


async def list_keys(conn: Connection, location_id: str) -> list[Row]:
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    return await repository.list_keys(conn, location_id)


async def revoke_key(conn: Connection, key_id: str) -> bool:
    """By the key's public id: the secret never needs to be typed again (or seen in `ps`)."""
    key_cache.clear()
    return await repository.revoke_key(conn, key_id, now_ms()) > 0
