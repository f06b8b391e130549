"""Locations and their API keys (administration: the CLI, not the HTTP API)."""

from __future__ import annotations

from contactapi.db.engine import Connection, Row


async def insert_location(
    conn: Connection, location_id: str, name: str, allow_duplicates: bool, country: str, at: int
) -> None:
    await conn.execute(
        "INSERT INTO locations (id, name, allow_duplicate_contacts, country, created_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        location_id,
        name,
        allow_duplicates,
        country,
        at,
    )


async def get_location(conn: Connection, location_id: str) -> Row | None:
    return await conn.fetch_one("SELECT * FROM locations WHERE id = $1", location_id)


async def list_locations(conn: Connection) -> list[Row]:
    return await conn.fetch_all("SELECT * FROM locations ORDER BY created_at, id")


async def update_location(
    conn: Connection, location_id: str, allow_duplicates: bool | None, country: str | None
) -> None:
    if allow_duplicates is not None:
        await conn.execute(
            "UPDATE locations SET allow_duplicate_contacts = $2 WHERE id = $1",
            location_id,
            allow_duplicates,
        )
    if country is not None:
        await conn.execute("UPDATE locations SET country = $2 WHERE id = $1", location_id, country)


async def insert_key(
    conn: Connection,
    location_id: str,
    key_id: str,
    key_hash: str,
    prefix: str,
    label: str | None,
    at: int,
) -> None:
    await conn.execute(
        "INSERT INTO api_keys (location_id, id, key_hash, key_prefix, label, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        location_id,
        key_id,
        key_hash,
        prefix,
        label,
        at,
    )


async def list_keys(conn: Connection, location_id: str) -> list[Row]:
    return await conn.fetch_all(
        "SELECT id, label, key_prefix, created_at, last_used_at, revoked_at FROM api_keys"
        " WHERE location_id = $1 ORDER BY created_at, id",
        location_id,
    )


async def revoke_key(conn: Connection, key_id: str, at: int) -> int:
    return await conn.execute(
        "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", key_id, at
    )
