"""Calendar rules and writes."""

from __future__ import annotations

import json
from typing import Any

from contactapi.calendars.repository import ORDER, CalendarRepository
from contactapi.calendars.schemas import CalendarInput, calendar_to_api
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import unknown_id
from contactapi.limits import MAX_CALENDARS, Page, page_of, require_room
from contactapi.scope import LocationScope
from contactapi.validation import Checked


class CalendarService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = CalendarRepository(scope.conn, scope.location_id)

    async def require(self, calendar_id: str, *, hold: bool = False) -> Row:
        """`hold`: row-locked to the transaction's end (a write that refers to it: its delete
        waits, rather than the write failing its foreign key)."""
        row = await self.repo.get(calendar_id, for_update=hold)
        if row is None:
            raise unknown_id("calendarId", "calendar")
        return row

    async def all(self, page: Page) -> list[dict[str, Any]]:
        rows = await page_of(self.repo, ORDER, page, "calendar")
        return [calendar_to_api(row) for row in rows]

    async def create(self, payload: Checked[CalendarInput]) -> dict[str, Any]:
        data = payload.get()
        await require_room(self.repo, MAX_CALENDARS, "calendar", "calendars")
        calendar_id = new_id()
        await self.repo.insert(
            {
                "id": calendar_id,
                "name": data.name,
                "slot_duration": data.slot_duration,
                "created_at": now_ms(),
                "slot_interval": data.slot_interval,
                "slot_buffer": 0,
                "open_hours": None if data.open_hours is None else json.dumps(data.open_hours),
                "timezone": data.timezone,
                "team_id": None,
                "slug": None,
                "settings": None,
            }
        )
        return calendar_to_api(await self.require(calendar_id))
