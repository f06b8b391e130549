"""Queries on the tag index; each starts from the caller's location."""

from __future__ import annotations

from contactapi.db.engine import Connection, Row


async def tags_in_use(
    conn: Connection, location_id: str, limit: int, start_after_id: str | None
) -> list[Row] | None:
    """Up to `limit` tags some contact carries, by name, after the tag `start_after_id`;
    None when no tag has that id."""
    sql = (
        "SELECT t.id, t.name FROM tags t WHERE t.location_id = $1 AND EXISTS ("
        " SELECT 1 FROM contact_tags ct WHERE ct.location_id = t.location_id"
        " AND ct.name = t.name)"
    )
    args = [location_id]
    if start_after_id is not None:
        after = await conn.fetch_value(
            "SELECT name FROM tags WHERE location_id = $1 AND id = $2", location_id, start_after_id
        )
        if after is None:
            return None
        args.append(after)
        sql += " AND t.name > $2"
    return await conn.fetch_all(f"{sql} ORDER BY t.name LIMIT {int(limit)}", *args)
