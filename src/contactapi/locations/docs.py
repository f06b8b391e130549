"""OpenAPI description of the location routes (an agency key's)."""

from __future__ import annotations

from typing import Any

from contactapi.locations.schemas import SETTINGS, SOCIAL_FIELDS, TEXT_FIELDS
from contactapi.web.openapi import (
    MESSAGE_SCHEMA,
    NULLABLE_STRING,
    PAGE_PARAMS,
    Schema,
    ok,
    operation,
    path_param,
    ref,
)

_PLACE = {name: NULLABLE_STRING for name in ("address", "city", "country", "state", "postalCode",
                                               "website", "timezone")}  # fmt: skip
_SOCIAL: Schema = {"type": "object", "properties": {n: NULLABLE_STRING for n in SOCIAL_FIELDS}}
_SETTINGS: Schema = {"type": "object", "properties": {n: {"type": "boolean"} for n in SETTINGS},
                     "description": "`allowDuplicateContact`: POST /v1/contacts/ always"
                     " creates (no dedupe by email or phone)."}  # fmt: skip
LOCATION: Schema = {
    "type": "object",
    "required": ["id", "name", "business", "social", "settings"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        **_PLACE,
        "firstName": NULLABLE_STRING,
        "lastName": NULLABLE_STRING,
        "email": NULLABLE_STRING,
        "phone": NULLABLE_STRING,
        "business": {"type": "object",
                     "properties": {"name": {"type": "string"}, "email": NULLABLE_STRING,
                                    **_PLACE}},
        "social": _SOCIAL,
        "settings": _SETTINGS,
    },
}  # fmt: skip
LOCATION_IN: Schema = {
    "type": "object",
    "required": ["businessName"],
    "properties": {
        "businessName": {"type": "string", "minLength": 1, "maxLength": 255},
        **{name: {"type": ["string", "null"], "maxLength": 255} for name in TEXT_FIELDS},
        "country": {"type": ["string", "null"], "description": "ISO 3166-1 alpha-2"},
        "timezone": {"type": ["string", "null"], "description": "An IANA name"},
        "email": {"type": ["string", "null"], "format": "email"},
        "phone": {"type": ["string", "null"]},
        "settings": _SETTINGS,
        "social": _SOCIAL,
    },
}
_EXAMPLE = {
    "id": "i2SpAtBVHSVea1sL6oah", "name": "Tesla inc", "address": "3500 Deer Creek Road",
    "city": "Palo Alto", "country": "US", "state": "CA", "postalCode": "94304",
    "website": "https://www.tesla.com", "timezone": "US/Central", "firstName": "John",
    "lastName": "Deo", "email": "john@deo.com", "phone": "+12025550107",
    "business": {"name": "Tesla inc", "email": "john@deo.com", "address": "3500 Deer Creek Road",
                 "city": "Palo Alto", "country": "US", "state": "CA", "postalCode": "94304",
                 "website": "https://www.tesla.com", "timezone": "US/Central"},
    "social": {name: None for name in SOCIAL_FIELDS},
    "settings": {name: False for name in SETTINGS},
}  # fmt: skip
_BODY_EXAMPLE = {"businessName": "Tesla inc", "address": "3500 Deer Creek Road",
                 "city": "Palo Alto", "country": "US", "state": "CA", "postalCode": "94304",
                 "timezone": "US/Central", "email": "john@deo.com"}  # fmt: skip
_CREATED: Schema = {"allOf": [ref("Location"), {"type": "object", "required": ["apiKey"],
                    "properties": {"apiKey": {"type": "string",
                                              "description": "The location's first key, shown"
                                              " once"}}}]}  # fmt: skip
_ID = [path_param("locationId", "Location id")]
_TAG = "Locations"

schemas: dict[str, Schema] = {"Location": LOCATION, "LocationIn": LOCATION_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/locations/": {
        "get": operation(
            "The agency's locations (an agency key)", _TAG,
            ok({"type": "object", "properties": {"locations": {"type": "array",
                                                               "items": ref("Location")}}}),
            params=PAGE_PARAMS, example={"locations": [_EXAMPLE]},
        ),
        "post": operation(
            "Create a location of the agency, with its first location key (shown once)", _TAG,
            ok(_CREATED), body=ref("LocationIn"),
            example={**_EXAMPLE, "apiKey": "capi_4Qx3mZ0aXbJ1cD2eF3gH4iJ5kL6mN7oP"},
            body_example=_BODY_EXAMPLE,
        ),
    },
    "/v1/locations/lookup": {
        "get": operation(
            "The agency's location with this email", _TAG, ok(ref("Location")),
            params=[{"name": "email", "in": "query", "required": True,
                     "schema": {"type": "string"}}],
            example=_EXAMPLE,
        ),
    },
    "/v1/locations/{locationId}": {
        "get": operation(
            "Get a location (an agency key: any of its locations; a location key: its own)",
            _TAG, ok(ref("Location")), params=_ID, example=_EXAMPLE,
        ),
        "put": operation(
            "Update a location (the fields sent)", _TAG, ok(ref("Location")), params=_ID,
            body=ref("LocationIn"), example=_EXAMPLE, body_example=_BODY_EXAMPLE,
        ),
        "delete": operation(
            "Delete a location: its keys stop at once; its data is removed in the background",
            _TAG, ok(MESSAGE_SCHEMA), params=_ID, example={"msg": "Success"},
        ),
    },
}  # fmt: skip
