"""Queries on the tag index; each starts from the caller's location."""

from __future__ import annotations

from contactapi.core import new_id
from contactapi.db.engine import Connection, Row


async def apply_contact_tags(
    conn: Connection, location_id: str, contact_id: str, added: list[str], removed: list[str]
) -> None:
    if removed:
        await conn.execute_many(
            "DELETE FROM contact_tags WHERE location_id = $1 AND contact_id = $2 AND name = $3",
            [(location_id, contact_id, name) for name in removed],
        )
    if added:
        await conn.execute_many(
            "INSERT INTO contact_tags (location_id, contact_id, name) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            [(location_id, contact_id, name) for name in added],
        )
        await conn.execute_many(
            "INSERT INTO tags (location_id, id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(location_id, new_id(), name) for name in added],
        )


async def tags_in_use(conn: Connection, location_id: str) -> list[Row]:
    return await conn.fetch_all(
        "SELECT t.id, t.name FROM tags t WHERE t.location_id = $1 AND EXISTS ("
        " SELECT 1 FROM contact_tags ct WHERE ct.location_id = t.location_id"
        " AND ct.name = t.name) ORDER BY t.name",
        location_id,
    )
