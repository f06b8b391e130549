"""Custom field queries. The repository is bound to one location: every query starts from it.

`values_for_contacts` stays a function: the contact repository reads values through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from contactapi.db.engine import Connection, Row
from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "name", "field_key", "placeholder", "position", "data_type",
           "options", "created_at")  # fmt: skip
UPDATABLE = frozenset({"name", "placeholder", "position", "data_type", "options"})
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM custom_fields"


# The order lists answer fields in (as the app shows them).
FIELD_ORDER = ("position", "created_at", "id")


class CustomFieldRepository(LocationRows):
    """`delete` takes the field's values on every contact with it (ON DELETE CASCADE)."""

    table = "custom_fields"
    columns = COLUMNS
    updatable = UPDATABLE

    async def by_key(self, key: str) -> Row | None:
        return await self.conn.fetch_one(
            f"{_SELECT} WHERE location_id = $1 AND field_key = $2", self.location_id, key
        )

    async def find_for_values(self, refs: Sequence[str]) -> list[Row]:
        """The fields named by id or by fieldKey among `refs`, share-locked on PostgreSQL
        until the values are written: a concurrent delete of a field waits for them (and then
        deletes them) instead of the insert failing its foreign key."""
        if not refs:
            return []
        marks = ", ".join(f"${i}" for i in range(2, len(refs) + 2))
        sql = f"{_SELECT} WHERE location_id = $1 AND (id IN ({marks}) OR field_key IN ({marks}))"
        sql += self.conn.dialect.for_share
        return await self.conn.fetch_all(sql, self.location_id, *refs)

    async def next_position(self) -> int:
        last = await self.conn.fetch_value(
            "SELECT MAX(position) FROM custom_fields WHERE location_id = $1", self.location_id
        )
        return 0 if last is None else int(last) + 1

    async def lock_key(self, key: str) -> None:
        """Serialise creators of the same fieldKey (PostgreSQL; SQLite writers already are)."""
        await self.conn.lock([(self.location_id, "field_key", key)])

    async def has_values(self, field_id: str) -> bool:
        row = await self.conn.fetch_one(
            "SELECT 1 AS one FROM contact_field_values WHERE location_id = $1 AND field_id = $2"
            " LIMIT 1",
            self.location_id,
            field_id,
        )
        return row is not None

    async def save_values(self, contact_id: str, values: dict[str, Any]) -> None:
        """Set each field's value on the contact; `None` clears it."""
        cleared = [
            (self.location_id, contact_id, fid) for fid, val in values.items() if val is None
        ]
        kept = [
            (self.location_id, contact_id, fid, orjson.dumps(val).decode())
            for fid, val in values.items()
            if val is not None
        ]
        if cleared:
            await self.conn.execute_many(
                "DELETE FROM contact_field_values"
                " WHERE location_id = $1 AND contact_id = $2 AND field_id = $3",
                cleared,
            )
        if kept:
            await self.conn.execute_many(
                "INSERT INTO contact_field_values (location_id, contact_id, field_id, value)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (location_id, contact_id, field_id)"
                " DO UPDATE SET value = excluded.value",
                kept,
            )


async def values_for_contacts(
    conn: Connection, location_id: str, contact_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return found
    if len(contact_ids) == 1:
        rows = await conn.fetch_all(
            "SELECT contact_id, field_id, value FROM contact_field_values"
            " WHERE location_id = $1 AND contact_id = $2 ORDER BY field_id",
            location_id,
            contact_ids[0],
        )
    else:
        marks = ", ".join(f"${i}" for i in range(2, len(contact_ids) + 2))
        rows = await conn.fetch_all(
            "SELECT contact_id, field_id, value FROM contact_field_values"
            f" WHERE location_id = $1 AND contact_id IN ({marks}) ORDER BY field_id",
            location_id,
            *contact_ids,
        )
    for row in rows:
        found[row["contact_id"]].append(
            {"id": row["field_id"], "value": orjson.loads(row["value"])}
        )
    return found
