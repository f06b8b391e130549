"""Free slots, and the rule that a booking takes a free one: within the calendar's open hours
(when set), overlapping no booked (not cancelled) appointment of the calendar."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from contactapi.appointments.queries import SlotsQuery
from contactapi.appointments.repository import AppointmentRepository
from contactapi.calendars.availability import (
    MINUTE_MS,
    Availability,
    availability,
    busy_spans,
    by_local_date,
    free_slots,
    within_open_hours,
)
from contactapi.calendars.service import CalendarService
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed
from contactapi.scope import LocationScope
from contactapi.users.repository import is_user_of

NOT_FREE = "The selected slot is not available."


# Slots (at the calendar's interval) one answer may span: a month at 10 minutes.
MAX_SLOTS_PER_ANSWER = 4_500


class SlotService:
    def __init__(self, scope: LocationScope) -> None:
        self.scope = scope
        self.repo = AppointmentRepository(scope.conn, scope.location_id)
        self.calendars = CalendarService(scope)

    async def availability(self, calendar: Row) -> Availability:
        return availability(calendar, await self.calendars.repo.location_timezone())

    async def free(self, query: SlotsQuery) -> dict[str, Any]:
        """v1's answer: the free slots between the dates, by local date of `timezone`."""
        calendar = await self.calendars.require(query.calendar_id)
        if query.user_id is not None and not await is_user_of(
            self.scope.conn, self.scope.location_id, query.user_id
        ):
            raise ValidationFailed.one("userId", "The user id is invalid.", "invalid")
        av = await self.availability(calendar)
        # The work and the answer grow with the slots the range can hold: bounded, so one
        # request stays a few milliseconds (it runs on the event loop on PostgreSQL).
        candidates = (query.end - query.start) // (av.interval * MINUTE_MS)
        if candidates > MAX_SLOTS_PER_ANSWER:
            raise ValidationFailed.one(
                "endDate", f"The range may hold at most {MAX_SLOTS_PER_ANSWER:,} slots of this"
                " calendar's interval: ask for a shorter one.", "max",
            )  # fmt: skip
        booked = await self.repo.booked_between(
            calendar["id"],
            query.start - av.buffer * MINUTE_MS,
            query.end + av.duration * MINUTE_MS,
        )
        slots = free_slots(av, query.start, query.end, busy_spans(av, booked))
        zone = ZoneInfo(query.timezone) if query.timezone else av.zone
        return by_local_date(slots, zone)

    async def require_free(
        self, calendar: Row, start: int, end: int, except_id: str | None = None
    ) -> None:
        """A 422 keyed `selectedSlot` unless [start, end) is free. Takes the calendar's
        booking lock first: of two bookings racing for one slot, the second sees the first."""
        await self.calendars.repo.lock_bookings(calendar["id"])
        av = await self.availability(calendar)
        if within_open_hours(av, start, end):
            booked = await self.repo.booked_between(
                calendar["id"], start - av.buffer * MINUTE_MS, end, except_id
            )
            if not busy_spans(av, booked).overlaps(start, end):
                return
        raise ValidationFailed.one("selectedSlot", NOT_FREE, "invalid")
