"""OpenAPI description of the appointment routes."""

from __future__ import annotations

from typing import Any

from contactapi.appointments.schemas import STATUSES
from contactapi.web.openapi import (
    NULLABLE_STRING,
    PAGE_PARAMS,
    Schema,
    ok,
    operation,
    path_param,
    ref,
)

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

_V1_KEYS: Schema = {
    "type": "object",
    "required": ["userId", "calendarProviderId", "calendarServiceId", "isRecurring",
                 "appoinmentStatus"],
    "properties": {
        "userId": {"type": ["string", "null"], "description": "Always null: none is assigned"},
        "calendarProviderId": {"type": ["string", "null"], "description": "A service's team"},
        "calendarServiceId": {"type": ["string", "null"], "description": "The service, if one"},
        "isRecurring": {"type": "boolean"},
        "appoinmentStatus": {**_STATUS, "description": "v1's spelling; the same as `status`"},
    },
}  # fmt: skip

APPOINTMENT: Schema = {
    "allOf": [
        ref("AppointmentEvent"),
        _V1_KEYS,
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

_EVENT_EXAMPLE = {
    "id": "Xm4GqLs8ZtYd1WvN3bPc",
    "calendarId": "BqTwX8QFwXzpegMve9EQ",
    "contactId": "ocQHyuzHvysMo5N5VsXc",
    "locationId": "ve9EPM428h8vShlRW1KT",
    "title": "Viewing: 3535 1st St N",
    "status": "confirmed",
    "appointmentStatus": "confirmed",
    "startTime": "2021-06-22T22:00:00.000Z",
    "endTime": "2021-06-22T22:30:00.000Z",
    "selectedTimezone": "Asia/Kolkata",
    "notes": "Buyer is pre-approved; bring the disclosure pack.",
    "dateAdded": "2021-06-20T11:12:45.391Z",
    "dateUpdated": "2021-06-20T11:12:45.391Z",
}
# The contact as `GET /v1/contacts/{id}` answers it.
_CONTACT_EXAMPLE = {
    "id": "ocQHyuzHvysMo5N5VsXc",
    "locationId": "ve9EPM428h8vShlRW1KT",
    "contactName": "John Deo",
    "firstName": "John",
    "lastName": "Deo",
    "firstNameLowerCase": "john",
    "lastNameLowerCase": "deo",
    "fullNameLowerCase": "john deo",
    "email": "john@deo.com",
    "emailLowerCase": "john@deo.com",
    "phone": "+18887324197",
    "companyName": "DGS VolMAX",
    "address1": "3535 1st St N",
    "city": "Dolomite",
    "state": "AL",
    "postalCode": "35061",
    "country": "US",
    "website": "https://www.tesla.com",
    "timezone": "America/Chihuahua",
    "dateOfBirth": "1990-09-25",
    "dnd": False,
    "type": "lead",
    "source": "public api",
    "assignedTo": None,
    "fingerprint": None,
    "tags": ["buyer", "vip"],
    "customField": [{"id": "z0R4fWcIjeYSeLQqhBAF", "value": "35061"}],
    "dateAdded": "2021-06-20T11:12:45.391Z",
    "dateUpdated": "2021-06-20T11:12:45.391Z",
}
_V1_EXAMPLE = {"userId": None, "calendarProviderId": None, "calendarServiceId": None,
               "isRecurring": False, "appoinmentStatus": "confirmed"}  # fmt: skip
_APPOINTMENT_EXAMPLE = {**_EVENT_EXAMPLE, **_V1_EXAMPLE, "contact": _CONTACT_EXAMPLE}
_BOOKING_EXAMPLE = {
    "calendarId": "BqTwX8QFwXzpegMve9EQ",
    "selectedSlot": "2021-06-23T03:30:00+05:30",
    "selectedTimezone": "Asia/Kolkata",
    "email": "john@deo.com",
    "phone": "+18887324197",
    "title": "Viewing: 3535 1st St N",
    "calendarNotes": "Buyer is pre-approved; bring the disclosure pack.",
}
_RESCHEDULE_EXAMPLE = {
    "selectedSlot": "2021-06-24T10:00:00+05:30",
    "calendarNotes": "Moved at the buyer's request.",
}
_RESCHEDULED_EXAMPLE = {
    **_APPOINTMENT_EXAMPLE,
    "startTime": "2021-06-24T04:30:00.000Z",
    "endTime": "2021-06-24T05:00:00.000Z",
    "notes": "Moved at the buyer's request.",
    "dateUpdated": "2021-06-21T08:00:03.774Z",
}
_SHOWED_EXAMPLE = {
    **_APPOINTMENT_EXAMPLE,
    "status": "showed",
    "appointmentStatus": "showed",
    "appoinmentStatus": "showed",
    "dateUpdated": "2021-06-22T22:41:09.120Z",
}

schemas: dict[str, Schema] = {
    "AppointmentEvent": EVENT,
    "Appointment": APPOINTMENT,
    "AppointmentIn": BOOKING_IN,
    "AppointmentChange": RESCHEDULE_IN,
}


def _query(name: str, description: str, schema: Schema, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}  # fmt: skip


_EPOCH_MS: Schema = {"type": "integer", "description": "Epoch milliseconds"}
_SLOTS_PARAMS = [
    _query("calendarId", "A calendar or service", {"type": "string"}, True),
    _query("startDate", "Epoch ms: the first slot's earliest start", _EPOCH_MS, True),
    _query("endDate", "Epoch ms: the last slot's latest start (at most 31 days on)",
           _EPOCH_MS, True),
    _query("timezone", "IANA zone the slots are written in (default: the calendar's)",
           {"type": "string"}),
    _query("userId", "A user of the location", {"type": "string"}),
]  # fmt: skip
_SLOTS: Schema = {
    "type": "object",
    "description": "Free slot starts, by local date (`YYYY-MM-DD`) of `timezone`.",
    "additionalProperties": {
        "type": "object",
        "required": ["slots"],
        "properties": {"slots": {"type": "array", "items": {"type": "string"}}},
    },
}
_LIST_PARAMS = [
    _query("startDate", "Epoch ms: appointments starting at or after", _EPOCH_MS, True),
    _query("endDate", "Epoch ms: appointments starting at or before", _EPOCH_MS, True),
    _query("calendarId", "A calendar's or service's appointments", {"type": "string"}),
    _query("teamId", "The appointments of a team's services (`calendarProviderId` too)",
           {"type": "string"}),
    _query("userId", "The appointments of the services of the user's teams", {"type": "string"}),
    _query("includeAll", "With each appointment's contact", {"type": "boolean"}),
    *PAGE_PARAMS,
]  # fmt: skip
_LISTED: Schema = {
    "allOf": [
        ref("AppointmentEvent"),
        _V1_KEYS,
        {"type": "object", "properties": {"contact": ref("Contact")},
         "description": "`contact` with `includeAll=true`"},
    ]
}  # fmt: skip
_LISTED_EXAMPLE = {
    **_EVENT_EXAMPLE, "userId": None, "calendarProviderId": "OW59k4IchTgKjIDy3VMO",
    "calendarServiceId": "BqTwX8QFwXzpegMve9EQ", "isRecurring": False,
    "appoinmentStatus": "confirmed", "contact": _CONTACT_EXAMPLE,
}  # fmt: skip

paths: dict[str, dict[str, Any]] = {
    "/v1/appointments/slots": {
        "get": operation(
            "Free slots of a calendar or service between two dates", "Appointments", ok(_SLOTS),
            params=_SLOTS_PARAMS,
            example={"2021-06-23": {"slots": ["2021-06-23T09:00:00-04:00",
                                              "2021-06-23T09:30:00-04:00"]}},
        ),
    },
    "/v1/appointments/": {
        "get": operation(
            "Appointments of a calendar, team or user starting between two dates, by start time",
            "Appointments",
            ok({"type": "object", "required": ["appointments"],
                "properties": {"appointments": {"type": "array", "items": _LISTED}}}),
            params=_LIST_PARAMS, example={"appointments": [_LISTED_EXAMPLE]},
        ),
        "post": operation(
            "Book an appointment", "Appointments", ok(ref("Appointment")),
            body=ref("AppointmentIn"), example=_APPOINTMENT_EXAMPLE,
            body_example=_BOOKING_EXAMPLE,
        ),
    },
    "/v1/appointments/{appointmentId}": {
        "get": operation("Get an appointment", "Appointments", ok(ref("Appointment")),
                         params=_ID, example=_APPOINTMENT_EXAMPLE),
        "put": operation(
            "Reschedule an appointment or change its title or notes", "Appointments",
            ok(ref("Appointment")), params=_ID, body=ref("AppointmentChange"),
            example=_RESCHEDULED_EXAMPLE, body_example=_RESCHEDULE_EXAMPLE,
        ),
        "delete": operation("Delete an appointment", "Appointments", ok(None), params=_ID),
    },
    "/v1/appointments/{appointmentId}/status": {
        "put": operation(
            "Change an appointment's status", "Appointments", ok(ref("Appointment")),
            params=_ID, body=_STATUS_IN, example=_SHOWED_EXAMPLE,
            body_example={"status": "showed"},
        ),
    },
    "/v1/contacts/{contactId}/appointments/": {
        "get": operation(
            "A contact's appointments, by start time", "Appointments", ok(_EVENTS),
            params=[path_param("contactId", "Contact id")],
            example={"events": [_EVENT_EXAMPLE]},
        ),
    },
}  # fmt: skip
