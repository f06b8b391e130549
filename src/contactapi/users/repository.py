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
# The users a caller reaches, as a test of one user row `u` ($1: the location or agency).
_LOCATION_REACHES = (
    "EXISTS (SELECT 1 FROM user_locations ul WHERE ul.user_id = u.id AND ul.location_id = $1)"
)
_AGENCY_REACHES = (
    "(u.owner_id = $1 OR EXISTS (SELECT 1 FROM user_locations ul JOIN locations l"
    " ON l.id = ul.location_id WHERE ul.user_id = u.id AND l.agency_id = $1"
    " AND l.deleted_at IS NULL))"
)
# The same sets as rows, for lists: each starts from an index on the caller's own rows.
_OF_LOCATION = (
    f"SELECT {_READ} FROM user_locations ul JOIN users u ON u.id = ul.user_id"
    " WHERE ul.location_id = $1"
)
_OF_AGENCY = (
    f"SELECT {_READ} FROM users u WHERE u.owner_id = $1 UNION"
    f" SELECT {_READ} FROM locations l JOIN user_locations ul ON ul.location_id = l.id"
    " JOIN users u ON u.id = ul.user_id WHERE l.agency_id = $1 AND l.deleted_at IS NULL"
)
# The locations of users a caller may be told of: its own, or its agency's live ones.
_LOCATION_SHOWS = "ul.location_id = $1"
_AGENCY_SHOWS = "l.agency_id = $1"
_UPDATABLE = ("first_name", "last_name", "email", "email_lower", "type", "role", "permissions")


class UserRepository:
    """The users `scope_id` reaches: a location's (`of_location`) or an agency's."""

    def __init__(self, conn: Connection, scope_id: str, *, agency: bool) -> None:
        self.conn = conn
        self.scope_id = scope_id
        self._reaches = _AGENCY_REACHES if agency else _LOCATION_REACHES
        self._rows = _OF_AGENCY if agency else _OF_LOCATION
        self._shows = _AGENCY_SHOWS if agency else _LOCATION_SHOWS

    @classmethod
    def for_caller(cls, conn: Connection, caller: Caller) -> UserRepository:
        return cls(conn, caller.id, agency=isinstance(caller, Agency))

    @classmethod
    def of_location(cls, conn: Connection, location_id: str) -> UserRepository:
        return cls(conn, location_id, agency=False)

    async def get(self, user_id: str, *, for_update: bool = False) -> Row | None:
        lock = self.conn.dialect.for_update if for_update else ""
        return await self.conn.fetch_one(
            f"SELECT {_READ} FROM users u WHERE u.id = $2 AND {self._reaches}{lock}",
            self.scope_id,
            user_id,
        )

    async def by_email(self, email_lower: str) -> Row | None:
        return await self.conn.fetch_one(
            f"SELECT {_READ} FROM users u WHERE u.email_lower = $2 AND {self._reaches}"
            " ORDER BY u.created_at, u.id LIMIT 1",
            self.scope_id,
            email_lower,
        )

    async def page(self, limit: int, start_after_id: str | None) -> list[Row] | None:
        """Oldest first; None when `start_after_id` names no visible user."""
        if start_after_id is None:
            return await self.conn.fetch_all(
                f"SELECT * FROM ({self._rows}) v ORDER BY v.created_at, v.id LIMIT $2",
                self.scope_id,
                limit,
            )
        after = await self.get(start_after_id)
        if after is None:
            return None
        return await self.conn.fetch_all(
            f"SELECT * FROM ({self._rows}) v WHERE v.created_at > $2"
            " OR (v.created_at = $2 AND v.id > $3) ORDER BY v.created_at, v.id LIMIT $4",
            self.scope_id,
            after["created_at"],
            after["id"],
            limit,
        )

    async def shown_location_ids(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each user's locations that the caller may be told of (a user shared with other
        locations, or with another agency's, does not name them)."""
        return await _location_ids(self.conn, user_ids, self._shows, self.scope_id)


async def all_location_ids(conn: Connection, user_id: str) -> list[str]:
    """Every live location of the user (for the rules on who may change it)."""
    return (await _location_ids(conn, [user_id], None, None))[user_id]


async def _location_ids(
    conn: Connection, user_ids: Sequence[str], shows: str | None, scope_id: str | None
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    first = 1 if shows is None else 2
    marks = ", ".join(f"${i}" for i in range(first, len(user_ids) + first))
    rows = await conn.fetch_all(
        "SELECT ul.user_id, ul.location_id FROM user_locations ul"
        " JOIN locations l ON l.id = ul.location_id"
        f" WHERE ul.user_id IN ({marks}) AND l.deleted_at IS NULL"
        f"{'' if shows is None else ' AND ' + shows} ORDER BY ul.user_id, ul.location_id",
        *([] if scope_id is None else [scope_id]),
        *user_ids,
    )
    for row in rows:
        found[row["user_id"]].append(row["location_id"])
    return found


async def insert_user(conn: Connection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert_sql("users", COLUMNS), *(values[column] for column in COLUMNS))


async def update_user(conn: Connection, user_id: str, values: Mapping[str, Any]) -> int:
    columns = [column for column in (*_UPDATABLE, "password_hash") if column in values]
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=2))
    return await conn.execute(
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
