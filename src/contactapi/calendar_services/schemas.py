"""The calendar service's wire shape: v1's service object. A service is stored as a calendar
row (slot duration, interval and buffer, open hours, zone, team, slug in columns; the rest
of v1's object as JSON), so an appointment's `calendarId` may name it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.calendar_teams.schemas import slug
from contactapi.calendars.hours import Hours, hours_to_api, parse_hours
from contactapi.scope import Location

EVENT_TYPES = ("RoundRobin_OptimizeForAvailability", "RoundRobin_OptimizeForEqualDistribution")
EVENT_COLORS = ("Banana", "Basil", "Blueberry", "Flamingo", "Grape", "Graphite", "Lavender",
                "Peacock", "Sage", "Tangerine", "Tomato")  # fmt: skip
SLOT_MINUTES = (10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 360, 420, 480)
PRIORITIES = ("High", "Medium", "Low")
BOOKING_UNITS = ("hours", "days", "weeks", "months")
SUBMISSION_TYPES = ("ThankYouMessage", "RedirectURL")
MAX_TEAM_MEMBERS = 100
MAX_LONG_TEXT = 10_000
# Minutes kept free after an appointment: at most a day (bookings look back that far).
MAX_BUFFER_MINUTES = 24 * 60
# v1's request flag -> the key its answer carries the flag under.
NOTIFICATION_FLAGS = {
    "autoConfirm": "hasAutoConfirm",
    "shouldSendAlertEmailsToAssignedMember": "hasSendEmailToAssignedMember",
    "googleInvitationEmails": "hasGoogleSendInvitationEmail",
    "allowReschedule": "hasAllowReschedule",
    "allowCancellation": "hasAllowCancellation",
}


@dataclass(frozen=True)
class ServiceInput:
    team_id: str
    name: str
    slug: str
    slot_duration: int
    slot_interval: int
    slot_buffer: int
    open_hours: Hours
    timezone: str | None
    member_ids: list[str]
    # The rest of v1's object, in its answer's shape.
    settings: dict[str, Any]


def _one_of(allowed: tuple[str, ...]) -> v.Validator:
    def read(field: str, value: Any) -> str | None:
        raw = v.text(field, value, 64)
        if raw is None:
            return None
        for option in allowed:
            if option.lower() == raw.lower():
                return option
        raise v.FieldInvalid(f"The {field} must be one of: {', '.join(allowed)}.")

    return read


def _minutes(allowed: tuple[int, ...] | None, most: int = 10_000) -> v.Validator:
    def read(field: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise v.FieldInvalid(f"The {field} must be a whole number.")
        if allowed is not None and value not in allowed:
            raise v.FieldInvalid(f"The {field} must be one of: {', '.join(map(str, allowed))}.")
        if allowed is None and not 0 <= value <= most:
            raise v.FieldInvalid(f"The {field} must be from 0 to {most}.")
        return value

    return read


def _long_text(field: str, value: Any) -> str | None:
    return v.text(field, value, MAX_LONG_TEXT)


class _Reader:
    """Reads nested fields, each failure filed under its dotted path (as v1 keys them)."""

    def __init__(self, errors: v.Errors) -> None:
        self.errors = errors

    def obj(self, key: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.errors.add(key, f"The {key} must be an object.")
            return {}
        return value

    def read(self, where: str, source: dict[str, Any], name: str, validate: v.Validator,
             *, required: bool = False) -> Any:  # fmt: skip
        key = f"{where}.{name}" if where else name
        return self.errors.read(key, validate, source.get(name), required=required)


def _members(r: _Reader, value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        r.errors.add("teamMembers", "The team members must be a list of objects.")
        return None
    if len(value) > MAX_TEAM_MEMBERS:
        r.errors.add("teamMembers", f"A service may not have more than {MAX_TEAM_MEMBERS} "
                     "team members.", "max")  # fmt: skip
        return None
    members = []
    for i, item in enumerate(value):
        where = f"teamMembers.{i}"
        members.append({
            "userId": r.read(where, item, "userId", v.text, required=True),
            "priority": r.read(where, item, "priority", _one_of(PRIORITIES), required=True),
            "selected": r.read(where, item, "selected", v.boolean, required=True),
            "meetingLocation": r.read(where, item, "meetingLocation", _long_text),
        })  # fmt: skip
    return members or None


def parse_service(body: dict[str, Any], location: Location) -> v.Checked[ServiceInput]:
    """A create or PUT body (both take the whole service), read before the transaction."""

    def read(errors: v.Errors) -> ServiceInput:
        r = _Reader(errors)
        top = {name: r.read("", body, name, validate, required=required)
               for name, validate, required in (
                   ("teamId", v.text, True), ("name", v.text, True),
                   ("description", _long_text, True), ("eventType", _one_of(EVENT_TYPES), True),
                   ("slug", slug, True), ("appointmentTitle", v.text, True),
                   ("eventColor", _one_of(EVENT_COLORS), True), ("isActive", v.boolean, False),
                   ("syncOption", _one_of(("oneway", "twoway")), False),
                   ("meetingLocation", _long_text, False),
                   ("timezone", v.timezone, False))}  # fmt: skip
        members = errors.read("teamMembers", lambda _k, value: _members(r, value),
                              body.get("teamMembers"), required=True)  # fmt: skip
        availability = r.obj("availability", body.get("availability"))
        timing = r.obj("availability.eventTiming", availability.get("eventTiming"))
        where = "availability.eventTiming"
        duration = r.read(where, timing, "slotDuration", _minutes(SLOT_MINUTES), required=True)
        interval = r.read(where, timing, "slotInterval", _minutes(SLOT_MINUTES), required=True)
        buffer = r.read(where, timing, "slotBuffer", _minutes(None, MAX_BUFFER_MINUTES))
        hours = errors.read("availability.officeHours", parse_hours,
                            availability.get("officeHours"), required=True)  # fmt: skip
        info = r.obj("availability.appointmentInfo", availability.get("appointmentInfo"))
        schedule = r.obj("availability.schedule", availability.get("schedule"))
        confirmation = r.obj("confirmation", body.get("confirmation"))
        form = r.obj("confirmation.form", confirmation.get("form"))
        notify = r.obj("confirmation.notificationAndOther",
                       confirmation.get("notificationAndOther"))  # fmt: skip
        submission = r.obj("confirmation.formSubmission", confirmation.get("formSubmission"))
        where = "confirmation.notificationAndOther"
        settings = {
            "description": top["description"], "eventType": top["eventType"],
            "appointmentTitle": top["appointmentTitle"], "eventColor": top["eventColor"],
            "meetingLocation": top["meetingLocation"],
            "isActive": True if top["isActive"] is None else top["isActive"],
            "syncOption": top["syncOption"] or "oneway", "teamMembers": members or [],
            "appointmentInfo": {
                name: r.read("availability.appointmentInfo", info, name, _minutes(None)) or 0
                for name in ("perSlot", "perDay")},
            "schedule": {
                "allowBookingAfter": r.read("availability.schedule", schedule,
                                            "allowBookingAfter", _minutes(None)) or 0,
                "allowBookingAfterUnit": r.read("availability.schedule", schedule,
                                                "allowBookingAfterUnit", _one_of(BOOKING_UNITS)),
                "allowBookingFor": r.read("availability.schedule", schedule, "allowBookingFor",
                                          _minutes(None)) or 0,
                "allowBookingForUnit": r.read("availability.schedule", schedule,
                                              "allowBookingForUnit", _one_of(BOOKING_UNITS))},
            "confirmation": {
                "form": {"customFormId": r.read("confirmation.form", form, "customFormId", v.text),
                         "stickyContact": bool(r.read("confirmation.form", form, "stickyContact",
                                                      v.boolean))},
                "notificationAndOther": {
                    **{answer: r.read(where, notify, flag, v.boolean, required=True)
                       for flag, answer in NOTIFICATION_FLAGS.items()},
                    "alertEmail": r.read(where, notify, "alertEmail", v.email),
                    "notes": r.read(where, notify, "notes", _long_text) or "",
                    "facebookPixelId": r.read(where, notify, "facebookPixelId", v.text) or "",
                    "customCode": ""},
                "formSubmission": {
                    "type": r.read("confirmation.formSubmission", submission, "type",
                                   _one_of(SUBMISSION_TYPES), required=True),
                    "content": r.read("confirmation.formSubmission", submission, "content",
                                      _long_text, required=True)}},
        }  # fmt: skip
        return ServiceInput(
            team_id=top["teamId"], name=top["name"], slug=top["slug"], slot_duration=duration,
            slot_interval=interval, slot_buffer=buffer or 0, open_hours=hours,
            timezone=top["timezone"], settings=settings,
            member_ids=[member["userId"] for member in members or []],
        )  # fmt: skip

    return v.checked(read)


def service_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    settings = json.loads(row["settings"])
    return {
        "id": row["id"],
        "locationId": row["location_id"],
        "teamId": row["team_id"],
        "name": row["name"],
        "description": settings["description"],
        "slug": row["slug"],
        "eventType": settings["eventType"],
        "appointmentTitle": settings["appointmentTitle"],
        "meetingLocation": settings["meetingLocation"],
        "eventColor": settings["eventColor"],
        "isActive": settings["isActive"],
        "timezone": row["timezone"],
        # No external calendar is linked: there is no Google, Clio or drchrono here.
        "linkedCalendars": {},
        "syncOption": settings["syncOption"],
        "teamMembers": settings["teamMembers"],
        "availability": {
            "eventTiming": {"slotDuration": row["slot_duration"],
                            "slotInterval": row["slot_interval"],
                            "slotBuffer": row["slot_buffer"]},
            "appointmentInfo": settings["appointmentInfo"],
            "schedule": settings["schedule"],
            "officeHours": hours_to_api(json.loads(row["open_hours"])),
        },
        "confirmation": settings["confirmation"],
    }  # fmt: skip
