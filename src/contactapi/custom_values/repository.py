"""Custom value queries, bound to one location."""

from __future__ import annotations

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "name", "field_key", "value", "created_at")
# The order lists answer them in.
ORDER = ("created_at", "id")


class CustomValueRepository(LocationRows):
    table = "custom_values"
    columns = COLUMNS
    updatable = frozenset({"name", "field_key", "value"})

    async def by_key(self, key: str) -> Row | None:
        return await self.conn.fetch_one(
            f"SELECT {', '.join(COLUMNS)} FROM custom_values"
            " WHERE location_id = $1 AND field_key = $2",
            self.location_id,
            key,
        )

    async def lock_key(self, key: str) -> None:
        """Serialise the writers of one fieldKey (PostgreSQL; SQLite writers already are)."""
        await self.conn.lock([(self.location_id, "custom_value_key", key)])
