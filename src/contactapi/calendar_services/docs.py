"""OpenAPI description of the calendar service routes."""

from __future__ import annotations

from typing import Any

from contactapi.calendar_services.schemas import (
    BOOKING_UNITS,
    EVENT_COLORS,
    EVENT_TYPES,
    PRIORITIES,
    SLOT_MINUTES,
    SUBMISSION_TYPES,
)
from contactapi.calendars.docs import OFFICE_HOURS
from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

_STRING: Schema = {"type": "string"}
_BOOL: Schema = {"type": "boolean"}
_COUNT: Schema = {"type": "integer", "minimum": 0}
_SLOT: Schema = {"type": "integer", "enum": list(SLOT_MINUTES)}
_UNIT: Schema = {"type": ["string", "null"], "enum": [*BOOKING_UNITS, None]}


def _object(required: list[str], **properties: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": properties}


_MEMBER = _object(
    ["userId", "priority", "selected"], userId=_STRING,
    priority={"type": "string", "enum": list(PRIORITIES)}, selected=_BOOL,
    meetingLocation={"type": ["string", "null"]},
)  # fmt: skip
_SCHEDULE = _object([], allowBookingAfter=_COUNT, allowBookingAfterUnit=_UNIT,
                    allowBookingFor=_COUNT, allowBookingForUnit=_UNIT)  # fmt: skip
_SUBMISSION = _object(["type", "content"], type={"type": "string", "enum": list(SUBMISSION_TYPES)},
                      content=_STRING)  # fmt: skip
_FORM = _object([], customFormId={"type": ["string", "null"]}, stickyContact=_BOOL)

SERVICE: Schema = _object(
    ["id", "locationId", "teamId", "name", "description", "slug", "eventType",
     "appointmentTitle", "meetingLocation", "eventColor", "isActive", "timezone",
     "linkedCalendars", "syncOption", "teamMembers", "availability", "confirmation"],
    id=_STRING, locationId=_STRING, teamId=_STRING, name=_STRING, description=_STRING,
    slug=_STRING, eventType=_STRING, appointmentTitle=_STRING,
    meetingLocation={"type": ["string", "null"]}, eventColor=_STRING, isActive=_BOOL,
    timezone={"type": ["string", "null"]},
    linkedCalendars={"type": "object", "description": "Always empty: no external calendars"},
    syncOption=_STRING, teamMembers={"type": "array", "items": _MEMBER},
    availability=_object(
        ["eventTiming", "appointmentInfo", "schedule", "officeHours"],
        eventTiming=_object(["slotDuration", "slotInterval", "slotBuffer"], slotDuration=_SLOT,
                            slotInterval=_SLOT, slotBuffer=_COUNT),
        appointmentInfo=_object(["perSlot", "perDay"], perSlot=_COUNT, perDay=_COUNT),
        schedule=_SCHEDULE, officeHours=OFFICE_HOURS,
    ),
    confirmation=_object(
        ["form", "notificationAndOther", "formSubmission"], form=_FORM,
        notificationAndOther=_object(
            [], alertEmail={"type": ["string", "null"]}, hasAutoConfirm=_BOOL,
            hasGoogleSendInvitationEmail=_BOOL, hasAllowReschedule=_BOOL,
            hasAllowCancellation=_BOOL, hasSendEmailToAssignedMember=_BOOL, notes=_STRING,
            facebookPixelId=_STRING, customCode=_STRING,
        ),
        formSubmission=_SUBMISSION,
    ),
)  # fmt: skip

SERVICE_IN: Schema = {
    **_object(
        ["teamId", "name", "description", "eventType", "teamMembers", "slug",
         "appointmentTitle", "eventColor", "availability", "confirmation"],
        teamId=_STRING, name={"type": "string", "maxLength": 255},
        description={"type": "string", "maxLength": 10_000},
        eventType={"type": "string", "enum": list(EVENT_TYPES)},
        teamMembers={"type": "array", "items": _MEMBER, "maxItems": 100},
        slug={"type": "string", "maxLength": 100},
        appointmentTitle={"type": "string", "maxLength": 255},
        eventColor={"type": "string", "enum": list(EVENT_COLORS)},
        isActive=_BOOL, syncOption={"type": "string", "enum": ["oneway", "twoway"]},
        meetingLocation={"type": "string", "maxLength": 10_000},
        timezone={"type": "string", "description": "IANA zone of the open hours (default: the "
                  "location's, else UTC)"},
        availability=_object(
            ["eventTiming", "officeHours"],
            eventTiming=_object(["slotDuration", "slotInterval"], slotDuration=_SLOT,
                                slotInterval=_SLOT,
                                slotBuffer={"type": "integer", "minimum": 0, "maximum": 1440}),
            appointmentInfo=_object([], perSlot=_COUNT, perDay=_COUNT),
            schedule=_SCHEDULE, officeHours=OFFICE_HOURS,
        ),
        confirmation=_object(
            ["notificationAndOther", "formSubmission"], form=_FORM,
            notificationAndOther=_object(
                ["autoConfirm", "shouldSendAlertEmailsToAssignedMember", "googleInvitationEmails",
                 "allowReschedule", "allowCancellation"],
                autoConfirm=_BOOL, shouldSendAlertEmailsToAssignedMember=_BOOL,
                googleInvitationEmails=_BOOL, allowReschedule=_BOOL, allowCancellation=_BOOL,
                alertEmail={"type": "string", "format": "email"}, notes=_STRING,
                facebookPixelId=_STRING,
            ),
            formSubmission=_SUBMISSION,
        ),
    ),
    "description": "The whole service, on create and on PUT, as v1 takes it. Team members are "
    "users of the team; the slug must be free among the location's teams and services. A "
    "service is a calendar: its id books appointments and answers free slots.",
}  # fmt: skip

_HOURS = {day: [{"openHour": 9, "openMinute": 0, "closeHour": 17, "closeMinute": 0}]
          for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}  # fmt: skip
_BODY_EXAMPLE = {
    "teamId": "OW59k4IchTgKjIDy3VMO", "eventType": "RoundRobin_OptimizeForAvailability",
    "teamMembers": [{"userId": "mnUXmpG2MhhHKmjegzBZ", "priority": "High", "selected": True,
                     "meetingLocation": "https://zoom.us/j/123"}],
    "name": "30 Mins Call", "description": "30 Minutes Call", "slug": "30-mins-call",
    "eventColor": "Peacock", "appointmentTitle": "{{contact.name}}",
    "availability": {"eventTiming": {"slotDuration": 30, "slotInterval": 30, "slotBuffer": 0},
                     "officeHours": _HOURS},
    "confirmation": {
        "notificationAndOther": {"autoConfirm": True, "shouldSendAlertEmailsToAssignedMember": True,
                                 "googleInvitationEmails": False, "allowReschedule": True,
                                 "allowCancellation": True},
        "formSubmission": {"type": "ThankYouMessage", "content": "Thank you!"},
    },
}  # fmt: skip
_EXAMPLE = {
    "id": "BqTwX8QFwXzpegMve9EQ", "locationId": "ve9EPM428h8vShlRW1KT",
    "teamId": "OW59k4IchTgKjIDy3VMO", "name": "30 Mins Call", "description": "30 Minutes Call",
    "slug": "30-mins-call", "eventType": "RoundRobin_OptimizeForAvailability",
    "appointmentTitle": "{{contact.name}}", "meetingLocation": None, "eventColor": "Peacock",
    "isActive": True, "timezone": None, "linkedCalendars": {}, "syncOption": "oneway",
    "teamMembers": _BODY_EXAMPLE["teamMembers"],
    "availability": {
        "eventTiming": {"slotDuration": 30, "slotInterval": 30, "slotBuffer": 0},
        "appointmentInfo": {"perSlot": 0, "perDay": 0},
        "schedule": {"allowBookingAfter": 0, "allowBookingAfterUnit": None,
                     "allowBookingFor": 0, "allowBookingForUnit": None},
        "officeHours": _HOURS,
    },
    "confirmation": {
        "form": {"customFormId": None, "stickyContact": False},
        "notificationAndOther": {
            "alertEmail": None, "hasAutoConfirm": True, "hasGoogleSendInvitationEmail": False,
            "hasAllowReschedule": True, "hasAllowCancellation": True,
            "hasSendEmailToAssignedMember": True, "notes": "", "facebookPixelId": "",
            "customCode": "",
        },
        "formSubmission": {"type": "ThankYouMessage", "content": "Thank you!"},
    },
}  # fmt: skip
_ID = [path_param("serviceId", "Service id")]
_TAG = "Calendar services"

schemas: dict[str, Schema] = {"CalendarService": SERVICE, "CalendarServiceIn": SERVICE_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/calendars/services/": {
        "get": operation(
            "List the location's calendar services (of one team)", _TAG,
            ok(_object(["services"],
                       services={"type": "array", "items": ref("CalendarService")})),
            params=[{"name": "teamId", "in": "query", "schema": _STRING,
                     "description": "Only this team's services"}, *PAGE_PARAMS],
            example={"services": [_EXAMPLE]},
        ),
        "post": operation("Create a calendar service", _TAG, ok(ref("CalendarService")),
                          body=ref("CalendarServiceIn"), example=_EXAMPLE,
                          body_example=_BODY_EXAMPLE),
    },
    "/v1/calendars/services/{serviceId}": {
        "get": operation("Get a calendar service", _TAG, ok(ref("CalendarService")), params=_ID,
                         example=_EXAMPLE),
        "put": operation("Replace a calendar service", _TAG, ok(ref("CalendarService")),
                         params=_ID, body=ref("CalendarServiceIn"), example=_EXAMPLE,
                         body_example=_BODY_EXAMPLE),
        "delete": operation("Delete a calendar service and its appointments", _TAG, ok(None),
                            params=_ID),
    },
}  # fmt: skip
