"""OpenAPI description of the appointment routes."""

from __future__ import annotations

from typing import Any

from contactapi.appointments.schemas import STATUSES
from contactapi.web.openapi import NULLABLE_STRING, Schema, ok, operation, path_param, ref

_STATUS: Schema = {"type": "string", "enum": list(STATUSES)}
_TIMESTAMP: Schema = {"type": "string", "format": "date-time", "description": "UTC"}

EVENT: Schema = {
    "type": "object",
    "required": ["id", "calendarId", "contactId", "locationId", "title", "status",
                 "appointmentStatus", "startTime", "endTime", "selectedTimezone", "notes",
                 "dateAdded", "dateUpdated"],
    "properties": {
        "id": {"type": "string"},
        "calendarId": {"type": "string"},
        "contactId": {"type": "string"},
        "locationId": {"type": "string"},
        "title": NULLABLE_STRING,
        "status": _STATUS,
        "appointmentStatus": _STATUS,
        "startTime": _TIMESTAMP,
        "endTime": _TIMESTAMP,
        "selectedTimezone": {"type": "string"},
        "notes": NULLABLE_STRING,
        "dateAdded": _TIMESTAMP,
        "dateUpdated": _TIMESTAMP,
    },
}  # fmt: skip

APPOINTMENT: Schema = {
    "allOf": [
        ref("AppointmentEvent"),
        {"type": "object", "required": ["contact"], "properties": {"contact": ref("Contact")}},
    ]
}

BOOKING_IN: Schema = {
    "type": "object",
    "required": ["calendarId", "selectedSlot", "selectedTimezone"],
    "description": "The contact is `contactId`, or is found or created from `email`/`phone` "
    "(and the other contact fields sent) as `POST /v1/contacts/` does.",
    "properties": {
        "calendarId": {"type": "string"},
        "selectedSlot": {"type": "string", "format": "date-time",
                         "description": "ISO 8601 with an offset, like 2021-06-23T03:30:00+05:30"},
        "selectedTimezone": {"type": "string", "description": "IANA time zone"},
        "contactId": {"type": "string"},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "phone": {"type": "string", "maxLength": 64},
        "title": {"type": "string"},
        "calendarNotes": {"type": "string"},
    },
}  # fmt: skip

RESCHEDULE_IN: Schema = {
    "type": "object",
    "description": "The sent keys change; a new slot keeps the appointment's duration.",
    "properties": {
        "selectedSlot": {"type": "string", "format": "date-time"},
        "selectedTimezone": {"type": "string"},
        "title": NULLABLE_STRING,
        "calendarNotes": NULLABLE_STRING,
    },
}

_ID = [path_param("appointmentId", "Appointment id")]
_STATUS_IN: Schema = {"type": "object", "required": ["status"], "properties": {"status": _STATUS}}
_EVENTS: Schema = {
    "type": "object",
    "required": ["events"],
    "properties": {"events": {"type": "array", "items": ref("AppointmentEvent")}},
}

schemas: dict[str, Schema] = {
    "AppointmentEvent": EVENT,
    "Appointment": APPOINTMENT,
    "AppointmentIn": BOOKING_IN,
    "AppointmentChange": RESCHEDULE_IN,
}

paths: dict[str, dict[str, Any]] = {
    "/v1/appointments/": {
        "post": operation(
            "Book an appointment", "Appointments", ok(ref("Appointment")),
            body=ref("AppointmentIn"),
        ),
    },
    "/v1/appointments/{appointmentId}": {
        "get": operation("Get an appointment", "Appointments", ok(ref("Appointment")),
                         params=_ID),
        "put": operation(
            "Reschedule an appointment or change its title or notes", "Appointments",
            ok(ref("Appointment")), params=_ID, body=ref("AppointmentChange"),
        ),
        "delete": operation("Delete an appointment", "Appointments", ok(None), params=_ID),
    },
    "/v1/appointments/{appointmentId}/status": {
        "put": operation(
            "Change an appointment's status", "Appointments", ok(ref("Appointment")),
            params=_ID, body=_STATUS_IN,
        ),
    },
    "/v1/contacts/{contactId}/appointments/": {
        "get": operation(
            "A contact's appointments, by start time", "Appointments", ok(_EVENTS),
            params=[path_param("contactId", "Contact id")],
        ),
    },
}  # fmt: skip
