"""OpenAPI description of the time zone route."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import Schema, ok, operation

schemas: dict[str, Schema] = {}

paths: dict[str, dict[str, Any]] = {
    "/v1/timezones/": {
        "get": operation(
            "Every IANA time zone name, sorted",
            "Timezones",
            ok(
                {
                    "type": "object",
                    "required": ["timezones"],
                    "properties": {"timezones": {"type": "array", "items": {"type": "string"}}},
                }
            ),
            validation=False,
            example={"timezones": ["Africa/Abidjan", "America/Chihuahua", "UTC"]},
        ),
    },
}
