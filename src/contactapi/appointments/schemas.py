"""The appointment's wire shape: what booking and rescheduling may send, and the event object.

`status` and `appointmentStatus` carry the same value: the contract's status route writes
`status`, and a client reading back either key sees what it set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.errors import FieldErrors

STATUSES = ("confirmed", "cancelled", "showed", "noshow", "invalid")
BOOKED_STATUS = "confirmed"
MAX_NOTES = 10_000
# The booking's own keys; the rest of a booking body describes the contact, as in
# `POST /v1/contacts/` (v1 clients send firstName, address1, ... with the booking).
BOOKING_KEYS = frozenset(
    {"calendarId", "selectedSlot", "selectedTimezone", "contactId", "title", "calendarNotes"}
)


def _notes(field: str, value: Any) -> str | None:
    return v.text(field, value, MAX_NOTES)


def _status(field: str, value: Any) -> str | None:
    return v.choice(field, value, STATUSES)


@dataclass
class BookingInput:
    calendar_id: str | None
    start_time: int | None
    selected_timezone: str | None
    contact_id: str | None
    title: str | None
    notes: str | None
    errors: FieldErrors


def parse_booking(body: Mapping[str, Any]) -> BookingInput:
    """The booking's own fields. Failures are returned in `errors`, not raised, so the caller
    can report them together with the contact's."""
    fields = v.FieldReader(body)
    return BookingInput(
        calendar_id=fields.read("calendarId", v.text, required=True),
        start_time=fields.read("selectedSlot", v.datetime_with_offset, required=True),
        selected_timezone=fields.read("selectedTimezone", v.timezone, required=True),
        contact_id=fields.read("contactId", v.text),
        title=fields.read("title", v.text),
        notes=fields.read("calendarNotes", _notes),
        errors=fields.errors,
    )


def contact_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a booking body that describes the contact."""
    return {key: value for key, value in body.items() if key not in BOOKING_KEYS}


# Rescheduling: API key -> (column, validator, whether it may be cleared with null).
RESCHEDULE_FIELDS: dict[str, tuple[str, v.Validator, bool]] = {
    "selectedSlot": ("start_time", v.datetime_with_offset, False),
    "selectedTimezone": ("selected_timezone", v.timezone, False),
    "title": ("title", v.text, True),
    "calendarNotes": ("notes", _notes, True),
}


def parse_reschedule(body: Mapping[str, Any]) -> dict[str, Any]:
    """The sent changes as columns (`start_time` stands for the new slot)."""
    fields = v.FieldReader(body)
    changes = {
        column: fields.read(key, validate, required=not clearable)
        for key, (column, validate, clearable) in RESCHEDULE_FIELDS.items()
        if key in body
    }
    fields.raise_errors()
    return changes


def parse_status(body: Mapping[str, Any]) -> str:
    fields = v.FieldReader(body)
    status = fields.read("status", _status, required=True)
    fields.raise_errors()
    assert isinstance(status, str)
    return status


def appointment_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    """The event object; times in UTC, in the contract's timestamp format."""
    return {
        "id": row["id"],
        "calendarId": row["calendar_id"],
        "contactId": row["contact_id"],
        "locationId": row["location_id"],
        "title": row["title"],
        "status": row["status"],
        "appointmentStatus": row["status"],
        "startTime": iso_ms(row["start_time"]),
        "endTime": iso_ms(row["end_time"]),
        "selectedTimezone": row["selected_timezone"],
        "notes": row["notes"],
        "dateAdded": iso_ms(row["date_added"]),
        "dateUpdated": iso_ms(row["date_updated"]),
    }
