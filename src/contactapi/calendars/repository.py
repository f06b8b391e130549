"""Calendar queries. The repository is bound to one location: every query starts from it."""

from __future__ import annotations

from contactapi.db.engine import Connection, Row

_SELECT = "SELECT location_id, id, name, slot_duration, created_at FROM calendars"


class CalendarRepository:
    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn = conn
        self.location_id = location_id

    async def all(self) -> list[Row]:
        return await self.conn.fetch_all(
            f"{_SELECT} WHERE location_id = $1 ORDER BY created_at, id", self.location_id
        )

    async def get(self, calendar_id: str) -> Row | None:
        return await self.conn.fetch_one(
            f"{_SELECT} WHERE location_id = $1 AND id = $2", self.location_id, calendar_id
        )

    async def insert(self, calendar_id: str, name: str, slot_duration: int, at: int) -> None:
        await self.conn.execute(
            "INSERT INTO calendars (location_id, id, name, slot_duration, created_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            self.location_id,
            calendar_id,
            name,
            slot_duration,
            at,
        )
