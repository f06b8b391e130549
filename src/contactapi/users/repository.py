"""The location's users, as far as other resources refer to them (a note's `userId`, a task's
`assignedTo`)."""

from __future__ import annotations

from contactapi.db.engine import Connection


async def is_user_of(conn: Connection, location_id: str, user_id: str) -> bool:
    row = await conn.fetch_one(
        "SELECT 1 AS one FROM user_locations WHERE location_id = $1 AND user_id = $2",
        location_id,
        user_id,
    )
    return row is not None
