"""Calendar queries. The repository is bound to one location: every query starts from it."""

from __future__ import annotations

from typing import Any

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

# A service is a calendar row with a team (`team_id`) and its v1 settings.
COLUMNS = ("location_id", "id", "name", "slot_duration", "created_at", "slot_interval",
           "slot_buffer", "open_hours", "timezone", "team_id", "slug", "settings")  # fmt: skip
ORDER = ("created_at", "id")


class CalendarRepository(LocationRows):
    table = "calendars"
    columns = COLUMNS
    updatable = frozenset(COLUMNS) - {"location_id", "id", "created_at"}

    async def location_timezone(self) -> str | None:
        """The zone a calendar without one of its own reads its open hours in."""
        zone: str | None = await self.conn.fetch_value(
            "SELECT timezone FROM locations WHERE id = $1", self.location_id
        )
        return zone

    async def lock_bookings(self, calendar_id: str) -> None:
        """Serialises the bookings of one calendar until the transaction ends, so two cannot
        both find the same slot free (PostgreSQL; SQLite writers already take turns)."""
        await self.conn.lock([(self.location_id, "calendar_bookings", calendar_id)])

    async def services(self, team_id: str | None, limit: int, after: Row | None) -> list[Row]:
        """The location's services (of one team), oldest first, past the row `after`."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM calendars WHERE location_id = $1"
        args: list[Any] = [self.location_id]
        if team_id is None:
            sql += " AND team_id IS NOT NULL"
        else:
            args.append(team_id)
            sql += f" AND team_id = ${len(args)}"
        if after is not None:
            args += [after["created_at"], after["id"]]
            sql += f" AND (created_at, id) > (${len(args) - 1}, ${len(args)})"
        return await self.conn.fetch_all(f"{sql} ORDER BY created_at, id LIMIT {int(limit)}", *args)

    async def slug_holder(self, slug: str) -> Row | None:
        return await self.conn.fetch_one(
            "SELECT id FROM calendars WHERE location_id = $1 AND slug = $2", self.location_id, slug
        )
