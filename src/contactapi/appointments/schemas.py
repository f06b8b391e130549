"""The appointment's wire shape: what booking and rescheduling may send, and the event object.

`status` and `appointmentStatus` carry the same value: the contract's status route writes
`status`, and a client reading back either key sees what it set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contactapi import validation as v
from contactapi.contacts.schemas import ContactInput, prepare_contact
from contactapi.core import iso_ms
from contactapi.scope import Location

STATUSES = ("confirmed", "cancelled", "showed", "noshow", "invalid")
BOOKED_STATUS = "confirmed"
# The one status that frees an appointment's slot.
CANCELLED_STATUS = "cancelled"
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
    # The rest of the body, read as a contact: used when no `contactId` is sent.
    contact: v.Checked[ContactInput]


def parse_booking(body: Mapping[str, Any], location: Location, errors: v.Errors) -> BookingInput:
    """The booking's own fields, each failure filed in `errors`, and the contact's fields,
    whose failures are kept apart: they count only if the contact is written."""
    return BookingInput(
        calendar_id=errors.read("calendarId", v.text, body.get("calendarId"), required=True),
        start_time=errors.read(
            "selectedSlot", v.datetime_with_offset, body.get("selectedSlot"), required=True
        ),
        selected_timezone=errors.read(
            "selectedTimezone", v.timezone, body.get("selectedTimezone"), required=True
        ),
        contact_id=errors.read("contactId", v.text, body.get("contactId")),
        title=errors.read("title", v.text, body.get("title")),
        notes=errors.read("calendarNotes", _notes, body.get("calendarNotes")),
        contact=prepare_contact(contact_fields(body), location),
    )


def prepare_booking(body: dict[str, Any], location: Location) -> v.Checked[BookingInput]:
    """A booking body, read before the transaction. Its failures are reported with the
    calendar's and the contact's, in one 422."""
    return v.checked(lambda errors: parse_booking(body, location, errors))


def contact_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a booking body that describes the contact."""
    return {key: value for key, value in body.items() if key not in BOOKING_KEYS}


def _new_slot(field: str, value: Any) -> int | datetime | None:
    """Epoch ms, or a local date-time without an offset (as v1's own reschedule example sends
    it), to be read in the appointment's time zone."""
    raw = v.text(field, value, 64)
    if raw is not None and "T" in raw.upper():
        try:
            local = datetime.fromisoformat(raw)
        except ValueError:
            local = None
        if local is not None and local.tzinfo is None:
            if not 2 <= local.year <= 9997:
                raise v.FieldInvalid(f"The {v.label(field)} must be between years 0002 and 9997.")
            return local
    return v.datetime_with_offset(field, value)


def local_to_epoch_ms(local: datetime, zone: str) -> int:
    """A wall-clock time of `zone` (the first, when the zone repeats it) as epoch ms."""
    aware = local.replace(tzinfo=ZoneInfo(zone))
    return (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


# Rescheduling: API key -> (column, validator, whether it may be cleared with null).
RESCHEDULE_FIELDS: dict[str, tuple[str, v.Validator, bool]] = {
    "selectedSlot": ("start_time", _new_slot, False),
    "selectedTimezone": ("selected_timezone", v.timezone, False),
    "title": ("title", v.text, True),
    "calendarNotes": ("notes", _notes, True),
}


def parse_reschedule(body: Mapping[str, Any], errors: v.Errors) -> dict[str, Any]:
    """The sent changes as columns (`start_time` stands for the new slot)."""
    return {
        column: errors.read(key, validate, body[key], required=not clearable)
        for key, (column, validate, clearable) in RESCHEDULE_FIELDS.items()
        if key in body
    }


def prepare_reschedule(body: dict[str, Any], location: Location) -> v.Checked[dict[str, Any]]:
    """A reschedule body, read before the transaction; reported once the appointment is
    known to exist."""
    return v.checked(lambda errors: parse_reschedule(body, errors))


def parse_status(body: Mapping[str, Any], errors: v.Errors) -> str | None:
    status: str | None = errors.read("status", _status, body.get("status"), required=True)
    return status


def prepare_status(body: dict[str, Any], location: Location) -> v.Checked[str | None]:
    """A status body, read before the transaction; reported once the appointment is known
    to exist. The value is a status whenever there is no failure."""
    return v.checked(lambda errors: parse_status(body, errors))


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


def v1_keys(row: Mapping[str, Any], team_id: str | None) -> dict[str, Any]:
    """The keys v1 adds to an appointment it answers alone or in its list: the team (v1's
    "calendar provider") and service of a service's appointment; no user is assigned to an
    appointment here."""
    return {
        "userId": None,
        "calendarProviderId": team_id,
        "calendarServiceId": row["calendar_id"] if team_id else None,
        "isRecurring": False,
        "appoinmentStatus": row["status"],  # sic: v1's spelling
    }
