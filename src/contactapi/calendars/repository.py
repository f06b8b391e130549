"""Calendar queries. The repository is bound to one location: every query starts from it."""

from __future__ import annotations

from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "name", "slot_duration", "created_at")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM calendars"


class CalendarRepository(LocationRows):
    table = "calendars"
    columns = COLUMNS
