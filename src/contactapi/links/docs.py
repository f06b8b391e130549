"""OpenAPI description of the trigger link routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

LINK: Schema = {
    "type": "object",
    "required": ["id", "name", "redirectTo", "fieldKey", "locationId"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "redirectTo": {"type": "string"},
        "fieldKey": {"type": "string", "description": "`{{trigger_link.<id>}}`"},
        "locationId": {"type": "string"},
    },
}

LINK_IN: Schema = {
    "type": "object",
    "required": ["name", "redirectTo"],
    "properties": {
        "name": {"type": "string", "maxLength": 255},
        "redirectTo": {"type": "string", "description": "An http(s) URL", "maxLength": 2048},
    },
}

_EXAMPLE = {
    "id": "ClK3HFY3WH9L5McNwyy1",
    "name": "Open house sign-up",
    "redirectTo": "https://www.google.com/",
    "fieldKey": "{{trigger_link.ClK3HFY3WH9L5McNwyy1}}",
    "locationId": "Lx1EI6YIgQYMQi0ytFXv",
}
_BODY_EXAMPLE = {"name": "Open house sign-up", "redirectTo": "https://www.google.com/"}
_ID = [path_param("linkId", "Trigger link id")]
_TAG = "Trigger links"

schemas: dict[str, Schema] = {"TriggerLink": LINK, "TriggerLinkIn": LINK_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/links/": {
        "get": operation(
            "List the location's trigger links", _TAG,
            ok({"type": "object", "required": ["links"],
                "properties": {"links": {"type": "array", "items": ref("TriggerLink")}}}),
            params=PAGE_PARAMS, example={"links": [_EXAMPLE]},
        ),
        "post": operation("Create a trigger link", _TAG, ok(ref("TriggerLink")),
                          body=ref("TriggerLinkIn"), example=_EXAMPLE,
                          body_example=_BODY_EXAMPLE),
    },
    "/v1/links/{linkId}": {
        "get": operation("Get a trigger link", _TAG, ok(ref("TriggerLink")), params=_ID,
                         example=_EXAMPLE),
        "put": operation("Replace a trigger link's name and target", _TAG,
                         ok(ref("TriggerLink")), params=_ID, body=ref("TriggerLinkIn"),
                         example=_EXAMPLE, body_example=_BODY_EXAMPLE),
        "delete": operation("Delete a trigger link", _TAG, ok(None), params=_ID),
    },
}  # fmt: skip
