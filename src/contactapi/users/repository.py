"""User queries, bound to what the caller may see: a location key its location's users; an
agency key the users it made and those of its locations. Every query starts from that set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contactapi.db.engine import Connection, Row
from contactapi.db.rows import insert_sql
from contactapi.scope import Agency, Caller

COLUMNS = ("id", "owner_id", "first_name", "last_name", "email", "email_lower", "password_hash",
           "type", "role", "permissions", "created_at")  # fmt: skip
_READ = ", ".join(f"u.{column}" for column in COLUMNS if column != "password_hash")
_OF_LOCATION = (
    f"SELECT {_READ} FROM user_locations ul JOIN users u ON u.id = ul.user_id"
    " WHERE ul.location_id = $1"
)
_OF_AGENCY = (
    f"SELECT {_READ} FROM users u WHERE u.owner_id = $1 UNION"
    f" SELECT {_READ} FROM locations l JOIN user_locations ul ON ul.location_id = l.id"
    " JOIN users u ON u.id = ul.user_id WHERE l.agency_id = $1 AND l.deleted_at IS NULL"
)
_UPDATABLE = ("first_name", "last_name", "email", "email_lower", "type", "role", "permissions")


class UserRepository:
    """The users `scope_id` reaches: a location's (`of_location`) or an agency's."""

    def __init__(self, conn: Connection, visible: str, scope_id: str) -> None:
        self.conn = conn
        self._visible = visible
        self.scope_id = scope_id

    @classmethod
    def for_caller(cls, conn: Connection, caller: Caller) -> UserRepository:
        return cls(conn, _OF_AGENCY if isinstance(caller, Agency) else _OF_LOCATION, caller.id)

    @classmethod
    def of_location(cls, conn: Connection, location_id: str) -> UserRepository:
        return cls(conn, _OF_LOCATION, location_id)

    async def get(self, user_id: str) -> Row | None:
        return await self.conn.fetch_one(
            f"SELECT * FROM ({self._visible}) v WHERE v.id = $2", self.scope_id, user_id
        )

    async def by_email(self, email_lower: str) -> Row | None:
        return await self.conn.fetch_one(
            f"SELECT * FROM ({self._visible}) v WHERE v.email_lower = $2"
            " ORDER BY v.created_at, v.id LIMIT 1",
            self.scope_id,
            email_lower,
        )

    async def page(self, limit: int, start_after_id: str | None) -> list[Row] | None:
        """Oldest first; None when `start_after_id` names no visible user."""
        if start_after_id is None:
            return await self.conn.fetch_all(
                f"SELECT * FROM ({self._visible}) v ORDER BY v.created_at, v.id LIMIT $2",
                self.scope_id,
                limit,
            )
        after = await self.get(start_after_id)
        if after is None:
            return None
        return await self.conn.fetch_all(
            f"SELECT * FROM ({self._visible}) v WHERE v.created_at > $2"
            " OR (v.created_at = $2 AND v.id > $3) ORDER BY v.created_at, v.id LIMIT $4",
            self.scope_id,
            after["created_at"],
            after["id"],
            limit,
        )

    async def location_ids(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each user's locations (live ones), in the order they were given."""
        found: dict[str, list[str]] = {user_id: [] for user_id in user_ids}
        if not user_ids:
            return found
        marks = ", ".join(f"${i}" for i in range(1, len(user_ids) + 1))
        rows = await self.conn.fetch_all(
            "SELECT ul.user_id, ul.location_id FROM user_locations ul"
            " JOIN locations l ON l.id = ul.location_id"
            f" WHERE ul.user_id IN ({marks}) AND l.deleted_at IS NULL"
            " ORDER BY ul.user_id, ul.location_id",
            *user_ids,
        )
        for row in rows:
            found[row["user_id"]].append(row["location_id"])
        return found


async def insert_user(conn: Connection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert_sql("users", COLUMNS), *(values[column] for column in COLUMNS))


async def update_user(conn: Connection, user_id: str, values: Mapping[str, Any]) -> None:
    columns = [column for column in (*_UPDATABLE, "password_hash") if column in values]
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=2))
    await conn.execute(
        f"UPDATE users SET {assignments} WHERE id = $1", user_id, *(values[c] for c in columns)
    )


async def delete_user(conn: Connection, user_id: str) -> None:
    await conn.execute("DELETE FROM users WHERE id = $1", user_id)


async def set_locations(conn: Connection, user_id: str, location_ids: Iterable[str]) -> None:
    await conn.execute("DELETE FROM user_locations WHERE user_id = $1", user_id)
    for location_id in location_ids:
        await conn.execute(
            "INSERT INTO user_locations (location_id, user_id) VALUES ($1, $2)",
            location_id,
            user_id,
        )


async def email_taken(conn: Connection, owner_id: str, email_lower: str, user_id: str) -> bool:
    """Whether another user of the owner has the email (the unique index's rule, checked
    first so that a clash is a 422, not a constraint error)."""
    row = await conn.fetch_one(
        "SELECT id FROM users WHERE owner_id = $1 AND email_lower = $2 AND id <> $3",
        owner_id,
        email_lower,
        user_id,
    )
    return row is not None


async def agency_locations(
    conn: Connection, agency_id: str, location_ids: Sequence[str]
) -> set[str]:
    """Which of `location_ids` are live locations of the agency."""
    if not location_ids:
        return set()
    marks = ", ".join(f"${i}" for i in range(2, len(location_ids) + 2))
    live = "agency_id = $1 AND deleted_at IS NULL"
    rows = await conn.fetch_all(
        f"SELECT id FROM locations WHERE {live} AND id IN ({marks})",
        agency_id,
        *location_ids,
    )
    return {row["id"] for row in rows}


async def is_user_of(conn: Connection, location_id: str, user_id: str) -> bool:
    """Whether the user belongs to the location (a note's `userId`, a task's `assignedTo`)."""
    row = await conn.fetch_one(
        "SELECT 1 AS one FROM user_locations WHERE location_id = $1 AND user_id = $2",
        location_id,
        user_id,
    )
    return row is not None
