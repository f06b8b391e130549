"""OpenAPI description of the calendar routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, ref

CALENDAR: Schema = {
    "type": "object",
    "required": ["id", "locationId", "name", "slotDuration", "dateAdded"],
    "properties": {
        "id": {"type": "string"},
        "locationId": {"type": "string"},
        "name": {"type": "string"},
        "slotDuration": {"type": "integer", "description": "Minutes per appointment"},
        "dateAdded": {"type": "string", "format": "date-time"},
    },
}

CALENDAR_IN: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "slotDuration": {"type": "integer", "minimum": 1, "default": 30},
    },
}

_CALENDAR_EXAMPLE = {
    "id": "BqTwX8QFwXzpegMve9EQ",
    "locationId": "ve9EPM428h8vShlRW1KT",
    "name": "Property Viewings",
    "slotDuration": 30,
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
            body_example={"name": "Property Viewings", "slotDuration": 30},
        ),
    },
}
