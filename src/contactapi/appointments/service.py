"""Appointment rules and every appointment write.

Decisions where the contract is silent: a booking lasts the calendar's slot duration, and a
reschedule keeps the appointment's duration; both must take a free slot (`slots.py`). When
`contactId` is sent, the contact fields of the body are not applied to that contact;
otherwise the contact is found or created, and updated, exactly as `POST /v1/contacts/` does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contactapi.appointments.repository import AppointmentRepository
from contactapi.appointments.schemas import (
    BOOKED_STATUS,
    CANCELLED_STATUS,
    BookingInput,
    appointment_to_api,
    local_to_epoch_ms,
    v1_keys,
)
from contactapi.appointments.slots import SlotService
from contactapi.calendars.service import CalendarService
from contactapi.contacts.schemas import ContactInput
from contactapi.contacts.service import ContactService
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.scope import LocationScope
from contactapi.validation import Checked, Errors
from contactapi.webhooks.payloads import appointment_event

MINUTE_MS = 60_000


class AppointmentService:
    def __init__(self, scope: LocationScope) -> None:
        self.scope = scope
        self.repo = AppointmentRepository(scope.conn, scope.location_id)
        self.calendars = CalendarService(scope)
        self.contacts = ContactService(scope)
        self.slots = SlotService(scope)

    async def require(self, appointment_id: str) -> Row:
        row = await self.repo.get(appointment_id)
        if row is None:
            raise unknown_id("appointmentId", "appointment")
        return row

    async def _with_contact(self, row: Row) -> dict[str, Any]:
        """The appointment object with v1's keys and its contact, as single-appointment
        answers carry it."""
        calendar = await self.calendars.require(row["calendar_id"])
        contact = await self.contacts.get(row["contact_id"])
        return {**appointment_to_api(row), **v1_keys(row, calendar["team_id"]), "contact": contact}

    async def get(self, appointment_id: str) -> dict[str, Any]:
        return await self._with_contact(await self.require(appointment_id))

    async def book(self, payload: Checked[BookingInput]) -> dict[str, Any]:
        booking = payload.value
        errors = Errors()
        errors.update(payload.errors)
        calendar: Row | None = None
        contact_id: str | None = None
        try:
            if booking.calendar_id is not None:
                calendar = await self.calendars.require(booking.calendar_id, hold=True)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        try:
            if "contactId" not in errors.fields:
                contact_id = await self._contact_id(booking.contact_id, booking.contact)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        if calendar is not None and booking.start_time is not None:
            end_time = booking.start_time + calendar["slot_duration"] * MINUTE_MS
            try:
                await self.slots.require_free(calendar, booking.start_time, end_time)
            except ValidationFailed as exc:
                errors.update(exc.errors)
        errors.raise_any()
        assert calendar is not None and contact_id is not None
        assert booking.start_time is not None and booking.selected_timezone is not None
        appointment_id, at = new_id(), now_ms()
        await self.repo.insert(
            {
                "id": appointment_id,
                "calendar_id": calendar["id"],
                "contact_id": contact_id,
                "title": booking.title,
                "notes": booking.notes,
                "status": BOOKED_STATUS,
                "start_time": booking.start_time,
                "end_time": booking.start_time + calendar["slot_duration"] * MINUTE_MS,
                "selected_timezone": booking.selected_timezone,
                "date_added": at,
                "date_updated": at,
            }
        )
        booked = await self.get(appointment_id)
        await appointment_event(self.scope, "AppointmentCreate", booked)
        return booked

    async def _contact_id(self, contact_id: str | None, contact: Checked[ContactInput]) -> str:
        """The sent contact, else the one found or created from the body's email/phone (this
        writes even when the booking then fails: the request rolls back as a whole)."""
        if contact_id is not None:
            # Row-locked, so a concurrent delete waits for the booking (or wins, and the id is
            # then unknown) rather than the insert failing its foreign key.
            return str((await self.contacts.require(contact_id, "contactId", lock=True))["id"])
        found, _ = await self.contacts.upsert(contact)
        return str(found["id"])

    async def reschedule(
        self, appointment_id: str, payload: Checked[dict[str, Any]]
    ) -> dict[str, Any]:
        """PUT: the sent fields change; a new slot keeps the appointment's duration."""
        current = await self.require(appointment_id)  # an unknown id is answered first
        changes = dict(payload.get())
        if isinstance(changes.get("start_time"), datetime):
            zone = changes.get("selected_timezone") or current["selected_timezone"]
            changes["start_time"] = local_to_epoch_ms(changes["start_time"], zone)
        if "start_time" in changes:
            duration = current["end_time"] - current["start_time"]
            changes["end_time"] = changes["start_time"] + duration
            if current["status"] != CANCELLED_STATUS:  # a cancelled one holds no slot
                calendar = await self.calendars.require(current["calendar_id"], hold=True)
                await self.slots.require_free(
                    calendar, changes["start_time"], changes["end_time"], current["id"]
                )
        return await self._save(current, changes)

    async def set_status(self, appointment_id: str, payload: Checked[str | None]) -> dict[str, Any]:
        current = await self.require(appointment_id)  # an unknown id is answered first
        status = payload.get()
        assert status is not None
        if current["status"] == CANCELLED_STATUS and status != CANCELLED_STATUS:
            # Booked again: it takes its slot again, which must still be free.
            calendar = await self.calendars.require(current["calendar_id"], hold=True)
            await self.slots.require_free(
                calendar, current["start_time"], current["end_time"], current["id"]
            )
        return await self._save(current, {"status": status})

    async def _save(self, current: Row, changes: dict[str, Any]) -> dict[str, Any]:
        if not changes:
            return await self.get(current["id"])
        changes["date_updated"] = max(now_ms(), current["date_updated"])
        await self.repo.update(current["id"], changes)
        changed = await self.get(current["id"])
        await appointment_event(self.scope, "AppointmentUpdate", changed)
        return changed

    async def delete(self, appointment_id: str) -> None:
        gone = await self.get(appointment_id)  # an unknown id is a 422
        await self.repo.delete(appointment_id)
        await appointment_event(self.scope, "AppointmentDelete", gone)

    async def for_contact(self, contact_id: str) -> list[dict[str, Any]]:
        """The contact's appointments, by start time."""
        await self.contacts.require(contact_id, "contactId")
        return [appointment_to_api(row) for row in await self.repo.for_contact(contact_id)]
