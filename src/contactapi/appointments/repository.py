"""Appointment queries. The repository is bound to one location: every query starts from it."""

from __future__ import annotations

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "calendar_id", "contact_id", "title", "notes", "status",
           "start_time", "end_time", "selected_timezone", "date_added", "date_updated")  # fmt: skip
UPDATABLE = frozenset(COLUMNS) - {"location_id", "id", "contact_id", "date_added"}
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM appointments"


class AppointmentRepository(LocationRows):
    table = "appointments"
    columns = COLUMNS
    updatable = UPDATABLE

    async def for_contact(self, contact_id: str) -> list[Row]:
        return await self.conn.fetch_all(
            f"{_SELECT} WHERE location_id = $1 AND contact_id = $2 ORDER BY start_time, id",
            self.location_id,
            contact_id,
        )
