"""Queries on the location's tags; each starts from the caller's location.

A tag is shown while it is not deleted, or, deleted, once a contact carries its name again."""

from __future__ import annotations

from typing import Any

from contactapi.db.engine import Connection, Row

_SHOWN = (
    "(t.deleted_at IS NULL OR EXISTS (SELECT 1 FROM contact_tags ct"
    " WHERE ct.location_id = t.location_id AND ct.name = t.name))"
)


async def list_tags(
    conn: Connection, location_id: str, limit: int, start_after_id: str | None
) -> list[Row] | None:
    """Up to `limit` of the location's tags, by name, after the tag `start_after_id`; None
    when no tag has that id."""
    sql = f"SELECT t.id, t.name FROM tags t WHERE t.location_id = $1 AND {_SHOWN}"
    args: list[Any] = [location_id]
    if start_after_id is not None:
        after = await get_tag(conn, location_id, start_after_id)
        if after is None:
            return None
        args.append(after["name"])
        sql += " AND t.name > $2"
    return await conn.fetch_all(f"{sql} ORDER BY t.name LIMIT {int(limit)}", *args)


async def get_tag(
    conn: Connection, location_id: str, tag_id: str, *, lock: bool = False
) -> Row | None:
    """The shown tag; with `lock`, its row is locked until the transaction ends."""
    sql = f"SELECT t.id, t.name FROM tags t WHERE t.location_id = $1 AND t.id = $2 AND {_SHOWN}"
    if lock:
        sql += conn.dialect.for_update
    return await conn.fetch_one(sql, location_id, tag_id)


async def shown_by_name(conn: Connection, location_id: str, name: str) -> Row | None:
    return await conn.fetch_one(
        f"SELECT t.id, t.name FROM tags t WHERE t.location_id = $1 AND t.name = $2 AND {_SHOWN}",
        location_id,
        name,
    )
