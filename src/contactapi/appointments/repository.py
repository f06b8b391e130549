"""Appointment queries. The repository is bound to one location: every query starts from it."""

from __future__ import annotations

from typing import Any

from contactapi.db.engine import Connection, Row
from contactapi.db.rows import insert_sql, update_row

COLUMNS = ("location_id", "id", "calendar_id", "contact_id", "title", "notes", "status",
           "start_time", "end_time", "selected_timezone", "date_added", "date_updated")  # fmt: skip
UPDATABLE = frozenset(COLUMNS) - {"location_id", "id", "contact_id", "date_added"}
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM appointments"
_INSERT = insert_sql("appointments", COLUMNS)


class AppointmentRepository:
    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn = conn
        self.location_id = location_id

    async def get(self, appointment_id: str) -> Row | None:
        return await self.conn.fetch_one(
            f"{_SELECT} WHERE location_id = $1 AND id = $2", self.location_id, appointment_id
        )

    async def for_contact(self, contact_id: str) -> list[Row]:
        return await self.conn.fetch_all(
            f"{_SELECT} WHERE location_id = $1 AND contact_id = $2 ORDER BY start_time, id",
            self.location_id,
            contact_id,
        )

    async def insert(self, values: dict[str, Any]) -> None:
        values = {**values, "location_id": self.location_id}
        await self.conn.execute(_INSERT, *(values[col] for col in COLUMNS))

    async def update(self, appointment_id: str, values: dict[str, Any]) -> None:
        await update_row(
            self.conn, "appointments", self.location_id, appointment_id, values, UPDATABLE
        )

    async def delete(self, appointment_id: str) -> bool:
        count = await self.conn.execute(
            "DELETE FROM appointments WHERE location_id = $1 AND id = $2",
            self.location_id,
            appointment_id,
        )
        return count > 0
