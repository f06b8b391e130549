"""Locations and their API keys: the CLI's queries, and an agency's (`/v1/locations/`), which
start from the agency. A deleted location (`deleted_at` set) is gone to every query here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contactapi.db.engine import Connection, Row
from contactapi.db.rows import insert_sql

_LIVE = "deleted_at IS NULL"
# What `insert_location` takes; the profile columns may be None.
LOCATION_COLUMNS = ("id", "name", "allow_duplicate_contacts", "country", "created_at", "agency_id",
                    "email_lower", "timezone", "profile")  # fmt: skip
PROFILE_COLUMNS = ("name", "allow_duplicate_contacts", "country", "email_lower", "timezone",
                   "profile")  # fmt: skip


async def insert_location(
    conn: Connection, location_id: str, name: str, allow_duplicates: bool, country: str, at: int
) -> None:
    await insert_location_row(conn, {"id": location_id, "name": name, "country": country,
                                     "allow_duplicate_contacts": allow_duplicates,
                                     "created_at": at})  # fmt: skip


async def insert_location_row(conn: Connection, values: Mapping[str, Any]) -> None:
    await conn.execute(
        insert_sql("locations", LOCATION_COLUMNS), *(values.get(c) for c in LOCATION_COLUMNS)
    )


async def get_location(conn: Connection, location_id: str) -> Row | None:
    return await conn.fetch_one(f"SELECT * FROM locations WHERE id = $1 AND {_LIVE}", location_id)


async def list_locations(conn: Connection) -> list[Row]:
    return await conn.fetch_all(f"SELECT * FROM locations WHERE {_LIVE} ORDER BY created_at, id")


async def agency_exists(conn: Connection, agency_id: str) -> bool:
    return await conn.fetch_one("SELECT id FROM agencies WHERE id = $1", agency_id) is not None


async def set_agency(conn: Connection, location_id: str, agency_id: str | None) -> None:
    await conn.execute("UPDATE locations SET agency_id = $2 WHERE id = $1", location_id, agency_id)


class AgencyLocations:
    """The live locations of one agency."""

    def __init__(self, conn: Connection, agency_id: str) -> None:
        self.conn = conn
        self.agency_id = agency_id

    async def get(self, location_id: str) -> Row | None:
        return await self.conn.fetch_one(
            f"SELECT * FROM locations WHERE agency_id = $1 AND id = $2 AND {_LIVE}",
            self.agency_id,
            location_id,
        )

    async def by_email(self, email_lower: str) -> Row | None:
        return await self.conn.fetch_one(
            "SELECT * FROM locations WHERE agency_id = $1 AND email_lower = $2"
            f" AND {_LIVE} ORDER BY created_at, id LIMIT 1",
            self.agency_id,
            email_lower,
        )

    async def count_within(self, cap: int) -> int:
        found = await self.conn.fetch_value(
            f"SELECT count(*) FROM (SELECT 1 FROM locations WHERE agency_id = $1 AND {_LIVE}"
            " LIMIT $2) l",
            self.agency_id,
            cap,
        )
        return int(found)

    async def page(self, limit: int, start_after_id: str | None) -> list[Row] | None:
        """Oldest first; None when `start_after_id` names none of the agency's locations."""
        if start_after_id is None:
            return await self.conn.fetch_all(
                f"SELECT * FROM locations WHERE agency_id = $1 AND {_LIVE}"
                " ORDER BY created_at, id LIMIT $2",
                self.agency_id,
                limit,
            )
        after = await self.get(start_after_id)
        if after is None:
            return None
        return await self.conn.fetch_all(
            f"SELECT * FROM locations WHERE agency_id = $1 AND {_LIVE} AND (created_at > $2"
            " OR (created_at = $2 AND id > $3)) ORDER BY created_at, id LIMIT $4",
            self.agency_id,
            after["created_at"],
            after["id"],
            limit,
        )

    async def update(self, location_id: str, values: Mapping[str, Any]) -> None:
        columns = [column for column in PROFILE_COLUMNS if column in values]
        assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=3))
        await self.conn.execute(
            f"UPDATE locations SET {assignments} WHERE agency_id = $1 AND id = $2",
            self.agency_id,
            location_id,
            *(values[column] for column in columns),
        )


async def mark_deleted(conn: Connection, location_id: str, at: int) -> None:
    """Gone at once: the location answers to no query, and its keys to no request."""
    await conn.execute("UPDATE locations SET deleted_at = $2 WHERE id = $1", location_id, at)
    await conn.execute(
        "UPDATE api_keys SET revoked_at = $2 WHERE location_id = $1 AND revoked_at IS NULL",
        location_id,
        at,
    )


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
