"""Appointment queries. The repository is bound to one location: every query starts from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "calendar_id", "contact_id", "title", "notes", "status",
           "start_time", "end_time", "selected_timezone", "date_added", "date_updated")  # fmt: skip
UPDATABLE = frozenset(COLUMNS) - {"location_id", "id", "contact_id", "date_added"}
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM appointments"
# More than an appointment lasts (a calendar's slot is at most a day, and a reschedule keeps
# the length): how far before a span an appointment overlapping it may start.
MAX_LENGTH_MS = 2 * 24 * 60 * 60_000


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

    async def booked_between(
        self, calendar_id: str, start: int, end: int, except_id: str | None = None
    ) -> list[Row]:
        """The calendar's appointments that are not cancelled and overlap [start, end)
        (read by the calendar's start-time index: none lasts more than a day)."""
        return await self.conn.fetch_all(
            "SELECT start_time, end_time FROM appointments WHERE location_id = $1"
            " AND calendar_id = $2 AND start_time < $3 AND start_time > $4 AND end_time > $5"
            " AND status <> 'cancelled' AND id <> $6",
            self.location_id,
            calendar_id,
            end,
            start - MAX_LENGTH_MS,
            start,
            except_id or "",
        )

    async def listed(self, filters: ListFilters, limit: int, after: Row | None) -> list[Row]:
        """The appointments starting within [start, end] that meet every filter, by start
        time, past the row `after`."""
        sql = f"{_SELECT} WHERE location_id = $1 AND start_time >= $2 AND start_time <= $3"
        args: list[Any] = [self.location_id, filters.start, filters.end]

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if filters.calendar_id is not None:
            sql += f" AND calendar_id = {arg(filters.calendar_id)}"
        if filters.team_id is not None:
            sql += (" AND calendar_id IN (SELECT id FROM calendars WHERE location_id = $1"
                    f" AND team_id = {arg(filters.team_id)})")  # fmt: skip
        if filters.user_id is not None:
            # The services of the teams the user is in.
            sql += (" AND calendar_id IN (SELECT c.id FROM calendars c"
                    " JOIN calendar_team_users m ON m.location_id = c.location_id"
                    f" AND m.team_id = c.team_id AND m.user_id = {arg(filters.user_id)}"
                    " WHERE c.location_id = $1)")  # fmt: skip
        if after is not None:
            sql += f" AND (start_time, id) > ({arg(after['start_time'])}, {arg(after['id'])})"
        return await self.conn.fetch_all(f"{sql} ORDER BY start_time, id LIMIT {int(limit)}", *args)

    async def teams_of(self, calendar_ids: list[str]) -> dict[str, str | None]:
        """The team of each calendar (a service's), or None."""
        dialect = self.conn.dialect
        rows = await self.conn.fetch_all(
            "SELECT id, team_id FROM calendars WHERE location_id = $1"
            f" AND id IN (SELECT name FROM {dialect.text_list('$2')})",
            self.location_id,
            dialect.list_arg(calendar_ids),
        )
        return {row["id"]: row["team_id"] for row in rows}


@dataclass(frozen=True, slots=True)
class ListFilters:
    start: int
    end: int
    calendar_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None
