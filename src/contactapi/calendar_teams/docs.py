"""OpenAPI description of the calendar team routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

_CONFIG_OUT: Schema = {
    "type": "object",
    "required": ["calendarName", "description", "slug", "link",
                 "shouldAssignContactToTeamMember", "shouldSkipAssigningContactForExisting"],
    "properties": {
        "calendarName": {"type": "string"},
        "description": {"type": "string"},
        "slug": {"type": "string"},
        "link": {"type": "string", "description": "`/widget/appointment/<slug>`"},
        "shouldAssignContactToTeamMember": {"type": "boolean"},
        "shouldSkipAssigningContactForExisting": {"type": "boolean"},
    },
}  # fmt: skip

TEAM: Schema = {
    "type": "object",
    "required": ["id", "locationId", "name", "userIds", "members", "calendarConfig"],
    "properties": {
        "id": {"type": "string"},
        "locationId": {"type": "string"},
        "name": {"type": "string"},
        "userIds": {"type": "array", "items": {"type": "string"}},
        "members": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "email"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                },
            },
        },
        "calendarConfig": _CONFIG_OUT,
    },
}

TEAM_IN: Schema = {
    "type": "object",
    "required": ["name", "userIds", "calendarConfig"],
    "description": "The whole team, on create and on PUT. `userIds` name users of the location; "
    "the slug (letters, digits, hyphens) must be free among the location's teams and services.",
    "properties": {
        "name": {"type": "string", "maxLength": 255},
        "userIds": {"type": "array", "items": {"type": "string"}, "maxItems": 100},
        "calendarConfig": {
            "type": "object",
            "required": ["calendarName", "description", "slug"],
            "properties": {
                "calendarName": {"type": "string", "maxLength": 255},
                "description": {"type": "string", "maxLength": 255},
                "slug": {"type": "string", "maxLength": 100},
                "shouldAssignContactToTeamMember": {"type": "boolean"},
                "shouldSkipAssigningContactForExisting": {"type": "boolean"},
            },
        },
    },
}

_EXAMPLE = {
    "id": "OW59k4IchTgKjIDy3VMO",
    "locationId": "ve9EPM428h8vShlRW1KT",
    "name": "Sales Team",
    "userIds": ["mnUXmpG2MhhHKmjegzBZ"],
    "members": [{"id": "mnUXmpG2MhhHKmjegzBZ", "name": "Elon Musk", "email": "elon@musk.com"}],
    "calendarConfig": {
        "calendarName": "Sales Team Calendar",
        "description": "Sales Team Calendar Services",
        "slug": "sales-team",
        "link": "/widget/appointment/sales-team",
        "shouldAssignContactToTeamMember": False,
        "shouldSkipAssigningContactForExisting": False,
    },
}
_BODY_EXAMPLE = {
    "name": "Sales Team",
    "userIds": ["mnUXmpG2MhhHKmjegzBZ"],
    "calendarConfig": {"calendarName": "Sales Team Calendar",
                       "description": "Sales Team Calendar Services", "slug": "sales-team"},
}  # fmt: skip
_ID = [path_param("teamId", "Team id")]
_TAG = "Calendar teams"

schemas: dict[str, Schema] = {"CalendarTeam": TEAM, "CalendarTeamIn": TEAM_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/calendars/teams/": {
        "get": operation(
            "List the location's calendar teams", _TAG,
            ok({"type": "object", "required": ["teams"],
                "properties": {"teams": {"type": "array", "items": ref("CalendarTeam")}}}),
            params=PAGE_PARAMS, example={"teams": [_EXAMPLE]},
        ),
        "post": operation("Create a calendar team", _TAG, ok(ref("CalendarTeam")),
                          body=ref("CalendarTeamIn"), example=_EXAMPLE,
                          body_example=_BODY_EXAMPLE),
    },
    "/v1/calendars/teams/{teamId}": {
        "get": operation("Get a calendar team", _TAG, ok(ref("CalendarTeam")), params=_ID,
                         example=_EXAMPLE),
        "put": operation("Replace a calendar team", _TAG, ok(ref("CalendarTeam")), params=_ID,
                         body=ref("CalendarTeamIn"), example=_EXAMPLE,
                         body_example=_BODY_EXAMPLE),
        "delete": operation("Delete a calendar team, with its services and their appointments",
                            _TAG, ok(None), params=_ID),
    },
    "/v1/calendars/check-slug-availability/{slug}": {
        "get": operation(
            "Whether no team or service of the location holds a slug", _TAG,
            ok({"type": "object", "required": ["slug", "isSlugAvailable"],
                "properties": {"slug": {"type": "string"},
                               "isSlugAvailable": {"type": "boolean"}}}),
            params=[path_param("slug", "A slug (not an id): letters, digits and hyphens")],
            example={"slug": "sales-services", "isSlugAvailable": True},
        ),
    },
}  # fmt: skip
