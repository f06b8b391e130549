"""Queries on the tag index; each starts from the caller's location."""

from __future__ import annotations

from contactapi.db.engine import Connection, Row


async def tags_in_use(conn: Connection, location_id: str) -> list[Row]:
    return await conn.fetch_all(
        "SELECT t.id, t.name FROM tags t WHERE t.location_id = $1 AND EXISTS ("
        " SELECT 1 FROM contact_tags ct WHERE ct.location_id = t.location_id"
        " AND ct.name = t.name) ORDER BY t.name",
        location_id,
    )
