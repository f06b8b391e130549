"""The calendar's wire shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.calendars.hours import Hours, hours_to_api, parse_hours
from contactapi.core import iso_ms
from contactapi.scope import Location

DEFAULT_SLOT_MINUTES = 30
MAX_SLOT_MINUTES = 24 * 60


@dataclass(frozen=True)
class CalendarInput:
    name: str
    slot_duration: int
    # Minutes between slot starts; None: the slot duration.
    slot_interval: int | None
    open_hours: Hours | None
    timezone: str | None


def _slot_duration(value: Any) -> int:
    if value is None:
        return DEFAULT_SLOT_MINUTES
    return slot_minutes("slot duration", value)


def slot_minutes(what: str, value: Any) -> int:
    """A whole number of minutes, 1 to a day (a digit string is read as one)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise v.FieldInvalid(f"The {what} must be a whole number of minutes, 1 or more.")
    if value > MAX_SLOT_MINUTES:
        raise v.FieldInvalid(f"The {what} may not be greater than {MAX_SLOT_MINUTES}.", "max")
    return value


def parse_calendar(body: dict[str, Any], location: Location) -> v.Checked[CalendarInput]:
    """A create body, read before the transaction; the service reports its failures."""

    def read(errors: v.Errors) -> CalendarInput:
        name = errors.read("name", v.text, body.get("name"), required=True)
        slot_duration = errors.read(
            "slotDuration", lambda _key, value: _slot_duration(value), body.get("slotDuration")
        )
        slot_interval = errors.read(
            "slotInterval",
            lambda _key, value: None if value is None else slot_minutes("slot interval", value),
            body.get("slotInterval"),
        )
        open_hours = errors.read("openHours", parse_hours, body.get("openHours"))
        timezone = errors.read("timezone", v.timezone, body.get("timezone"))
        return CalendarInput(name, slot_duration, slot_interval, open_hours, timezone)

    return v.checked(read)


def calendar_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "locationId": row["location_id"],
        "name": row["name"],
        "slotDuration": row["slot_duration"],
        "slotInterval": row["slot_interval"] or row["slot_duration"],
        "openHours": hours_to_api(json.loads(row["open_hours"]) if row["open_hours"] else None),
        "timezone": row["timezone"],
        "dateAdded": iso_ms(row["created_at"]),
    }
