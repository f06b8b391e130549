"""Creating agencies and their keys: the rules behind `contactapi agency`."""

from __future__ import annotations

from dataclasses import dataclass

from contactapi.agencies import repository
from contactapi.auth import agency_key_cache, generate_agency_key, hash_key
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Connection
from contactapi.locations.service import LocationError, NewKey, clean_label


@dataclass(frozen=True)
class NewAgency:
    id: str
    name: str
    api_key: str
    api_key_id: str


async def create_agency(conn: Connection, name: str) -> NewAgency:
    if not name.strip():
        raise LocationError("the name must not be empty")
    if len(name.strip()) > 255:
        raise LocationError("the name may be at most 255 characters")
    agency_id = new_id()
    await repository.insert_agency(conn, agency_id, name.strip(), now_ms())
    key = await create_key(conn, agency_id)
    return NewAgency(agency_id, name.strip(), key.secret, key.id)


async def create_key(conn: Connection, agency_id: str, label: str | None = None) -> NewKey:
    if await repository.get_agency(conn, agency_id) is None:
        raise LocationError(f"no agency {agency_id!r}")
    key = NewKey(new_id(), generate_agency_key())
    await repository.insert_key(
        conn, agency_id, key.id, hash_key(key.secret), key.secret[:9], clean_label(label),
        now_ms(),
    )  # fmt: skip
    return key


async def revoke_key(conn: Connection, key_id: str) -> bool:
    agency_key_cache.clear()
    return await repository.revoke_key(conn, key_id, now_ms()) > 0
