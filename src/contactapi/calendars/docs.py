"""OpenAPI description of the calendar routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, ref

_INTERVAL: Schema = {
    "type": "object",
    "required": ["openHour", "closeHour"],
    "properties": {
        "openHour": {"type": "integer", "minimum": 0, "maximum": 23},
        "openMinute": {"type": "integer", "minimum": 0, "maximum": 59, "default": 0},
        "closeHour": {"type": "integer", "minimum": 0, "maximum": 24},
        "closeMinute": {"type": "integer", "minimum": 0, "maximum": 59, "default": 0},
    },
}
# v1's `officeHours`: per weekday, intervals of local time; a weekday not named is closed.
OFFICE_HOURS: Schema = {
    "type": "object",
    "description": "Per weekday (`monday` ... `sunday`), open intervals in the calendar's local "
    "time; a weekday not named is closed.",
    "additionalProperties": {"type": "array", "items": _INTERVAL, "maxItems": 48},
}

CALENDAR: Schema = {
    "type": "object",
    "required": ["id", "locationId", "name", "slotDuration", "slotInterval", "openHours",
                 "timezone", "dateAdded"],
    "properties": {
        "id": {"type": "string"},
        "locationId": {"type": "string"},
        "name": {"type": "string"},
        "slotDuration": {"type": "integer", "description": "Minutes per appointment"},
        "slotInterval": {"type": "integer", "description": "Minutes between slot starts"},
        "openHours": {"oneOf": [OFFICE_HOURS, {"type": "null"}],
                      "description": "null: open at all times"},
        "timezone": {"type": ["string", "null"],
                     "description": "The zone of the open hours; null: the location's, else UTC"},
        "dateAdded": {"type": "string", "format": "date-time"},
    },
}  # fmt: skip

CALENDAR_IN: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "slotDuration": {"type": "integer", "minimum": 1, "maximum": 1440, "default": 30},
        "slotInterval": {"type": "integer", "minimum": 1, "maximum": 1440,
                         "description": "Default: the slot duration"},
        "openHours": OFFICE_HOURS,
        "timezone": {"type": "string", "description": "An IANA name"},
    },
}  # fmt: skip

_CALENDAR_EXAMPLE = {
    "id": "BqTwX8QFwXzpegMve9EQ",
    "locationId": "ve9EPM428h8vShlRW1KT",
    "name": "Property Viewings",
    "slotDuration": 30,
    "slotInterval": 30,
    "openHours": {"monday": [{"openHour": 9, "openMinute": 0, "closeHour": 17, "closeMinute": 0}]},
    "timezone": "America/New_York",
    "dateAdded": "2020-10-29T09:31:30.255Z",
}

schemas: dict[str, Schema] = {"Calendar": CALENDAR, "CalendarIn": CALENDAR_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/calendars/": {
        "get": operation(
            "List the location's calendars",
            "Calendars",
            ok(
                {
                    "type": "object",
                    "properties": {"calendars": {"type": "array", "items": ref("Calendar")}},
                }
            ),
            params=PAGE_PARAMS,
            example={
                "calendars": [
                    _CALENDAR_EXAMPLE,
                    {
                        **_CALENDAR_EXAMPLE,
                        "id": "Hk3mP9sLq2WvXz7RtY4u",
                        "name": "Seller Consultations",
                        "slotDuration": 60,
                        "slotInterval": 60,
                        "openHours": None,
                        "timezone": None,
                        "dateAdded": "2020-11-02T14:05:12.118Z",
                    },
                ]
            },
        ),
        "post": operation(
            "Create a calendar",
            "Calendars",
            ok({"type": "object", "properties": {"calendar": ref("Calendar")}}),
            body=ref("CalendarIn"),
            example={"calendar": _CALENDAR_EXAMPLE},
            body_example={
                "name": "Property Viewings",
                "slotDuration": 30,
                "timezone": "America/New_York",
                "openHours": {
                    "monday": [{"openHour": 9, "openMinute": 0, "closeHour": 17, "closeMinute": 0}]
                },
            },
        ),
    },
}
