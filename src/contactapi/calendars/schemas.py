"""The calendar's wire shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.scope import Location

DEFAULT_SLOT_MINUTES = 30
MAX_SLOT_MINUTES = 24 * 60


@dataclass(frozen=True)
class CalendarInput:
    name: str
    slot_duration: int


def _slot_duration(value: Any) -> int:
    if value is None:
        return DEFAULT_SLOT_MINUTES
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise v.FieldInvalid("The slot duration must be a whole number of minutes, 1 or more.")
    if value > MAX_SLOT_MINUTES:
        raise v.FieldInvalid(f"The slot duration may not be greater than {MAX_SLOT_MINUTES}.",
                             "max")  # fmt: skip
    return value


def parse_calendar(body: dict[str, Any], location: Location) -> v.Checked[CalendarInput]:
    """A create body, read before the transaction; the service reports its failures."""

    def read(errors: v.Errors) -> CalendarInput:
        name = errors.read("name", v.text, body.get("name"), required=True)
        slot_duration = errors.read(
            "slotDuration", lambda _key, value: _slot_duration(value), body.get("slotDuration")
        )
        return CalendarInput(name, slot_duration)

    return v.checked(read)


def calendar_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "locationId": row["location_id"],
        "name": row["name"],
        "slotDuration": row["slot_duration"],
        "dateAdded": iso_ms(row["created_at"]),
    }
