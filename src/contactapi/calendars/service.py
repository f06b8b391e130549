"""Calendar rules and writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contactapi.calendars.repository import CalendarRepository
from contactapi.calendars.schemas import calendar_to_api, parse_calendar
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.db.session import Scope
from contactapi.errors import unknown_id


class CalendarService:
    def __init__(self, scope: Scope) -> None:
        self.repo = CalendarRepository(scope.conn, scope.location_id)

    async def require(self, calendar_id: str) -> Row:
        row = await self.repo.get(calendar_id)
        if row is None:
            raise unknown_id("calendarId", "calendar")
        return row

    async def all(self) -> list[dict[str, Any]]:
        return [calendar_to_api(row) for row in await self.repo.all()]

    async def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        data = parse_calendar(body)
        calendar_id = new_id()
        await self.repo.insert(calendar_id, data.name, data.slot_duration, now_ms())
        return calendar_to_api(await self.require(calendar_id))
