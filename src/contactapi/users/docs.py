"""OpenAPI description of the user routes."""

from __future__ import annotations

from typing import Any

from contactapi.users.schemas import PERMISSION_DEFAULTS, ROLES, TYPES
from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

_PERMISSIONS: Schema = {
    "type": "object",
    "description": "v1's permission flags; a create leaves out what it likes (v1's defaults).",
    "properties": {name: {"type": "boolean"} for name in PERMISSION_DEFAULTS},
}
USER: Schema = {
    "type": "object",
    "required": ["id", "firstName", "lastName", "email", "roles", "permissions"],
    "properties": {
        "id": {"type": "string"},
        "firstName": {"type": "string"},
        "lastName": {"type": "string"},
        "email": {"type": "string"},
        "roles": {
            "type": "object",
            "required": ["type", "role", "locationIds"],
            "properties": {
                "type": {"type": "string", "enum": list(TYPES)},
                "role": {"type": "string", "enum": list(ROLES)},
                "locationIds": {"type": "array", "items": {"type": "string"}},
            },
        },
        "permissions": _PERMISSIONS,
    },
}
USER_IN: Schema = {
    "type": "object",
    "required": ["firstName", "lastName", "email", "type", "role", "locationIds"],
    "properties": {
        "firstName": {"type": "string", "minLength": 1, "maxLength": 255},
        "lastName": {"type": "string", "minLength": 1, "maxLength": 255},
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 1, "maxLength": 1024,
                     "description": "Stored only as an Argon2 hash; never answered"},
        "type": {"type": "string", "enum": list(TYPES)},
        "role": {"type": "string", "enum": list(ROLES)},
        "locationIds": {"type": "array", "items": {"type": "string"}, "maxItems": 1000,
                        "description": "A location key: its own location alone. An agency"
                        " key: any of the agency's locations."},
        "permissions": _PERMISSIONS,
    },
}  # fmt: skip
_EXAMPLE = {
    "id": "3g3ltlwEJBoXArLowV3e",
    "firstName": "John",
    "lastName": "Deo",
    "email": "john@deo.com",
    "roles": {"type": "account", "role": "admin", "locationIds": ["C2QujeCh8ZnC7al2InWR"]},
    "permissions": PERMISSION_DEFAULTS,
}
_BODY_EXAMPLE = {
    "firstName": "John",
    "lastName": "Deo",
    "email": "john@deo.com",
    "password": "correct horse battery staple",
    "type": "account",
    "role": "admin",
    "locationIds": ["C2QujeCh8ZnC7al2InWR"],
}
_LIST = {"type": "object", "properties": {"users": {"type": "array", "items": ref("User")}}}
_LOCATION_FILTER = {"name": "locationId", "in": "query", "schema": {"type": "string"},
                    "description": "Only this location's users (an agency key)."}  # fmt: skip
_ID = [path_param("userId", "User id")]
_TAG = "Users"

schemas: dict[str, Schema] = {"User": USER, "UserIn": USER_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/users/": {
        "get": operation(
            "The users the key reaches: its location's, or (an agency key) the agency's",
            _TAG, ok(_LIST), params=[_LOCATION_FILTER, *PAGE_PARAMS],
            example={"users": [_EXAMPLE]},
        ),
        "post": operation(
            "Create a user", _TAG, ok(ref("User")), body=ref("UserIn"), example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
    },
    "/v1/users/location": {
        "get": operation(
            "The users of the key's location (an agency key names it with `locationId`)",
            _TAG, ok(_LIST), params=[_LOCATION_FILTER, *PAGE_PARAMS],
            example={"users": [_EXAMPLE]},
        ),
    },
    "/v1/users/lookup": {
        "get": operation(
            "The user with this email, among those the key reaches",
            _TAG, ok(ref("User")),
            params=[{"name": "email", "in": "query", "required": True,
                     "schema": {"type": "string"}}],
            example=_EXAMPLE,
        ),
    },
    "/v1/users/{userId}": {
        "get": operation("Get a user", _TAG, ok(ref("User")), params=_ID, example=_EXAMPLE),
        "put": operation(
            "Replace a user (without `password`, it keeps its password)", _TAG, ok(ref("User")),
            params=_ID, body=ref("UserIn"), example=_EXAMPLE, body_example=_BODY_EXAMPLE,
        ),
        "delete": operation("Delete a user", _TAG, ok(None), params=_ID),
    },
}  # fmt: skip
