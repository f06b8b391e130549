"""Agencies and their keys (administration: the CLI)."""

from __future__ import annotations

from contactapi.db.engine import Connection, Row


async def insert_agency(conn: Connection, agency_id: str, name: str, at: int) -> None:
    await conn.execute(
        "INSERT INTO agencies (id, name, created_at) VALUES ($1, $2, $3)", agency_id, name, at
    )


async def get_agency(conn: Connection, agency_id: str) -> Row | None:
    return await conn.fetch_one("SELECT * FROM agencies WHERE id = $1", agency_id)


async def list_agencies(conn: Connection) -> list[Row]:
    return await conn.fetch_all(
        "SELECT a.id, a.name, a.created_at, (SELECT count(*) FROM locations l"
        " WHERE l.agency_id = a.id AND l.deleted_at IS NULL) AS locations"
        " FROM agencies a ORDER BY a.created_at, a.id"
    )


async def insert_key(
    conn: Connection, agency_id: str, key_id: str, key_hash: str, prefix: str,
    label: str | None, at: int,
) -> None:  # fmt: skip
    await conn.execute(
        "INSERT INTO agency_keys (agency_id, id, key_hash, key_prefix, label, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        agency_id,
        key_id,
        key_hash,
        prefix,
        label,
        at,
    )


async def revoke_key(conn: Connection, key_id: str, at: int) -> int:
    return await conn.execute(
        "UPDATE agency_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", key_id, at
    )
