"""OpenAPI description of the custom field routes."""

from __future__ import annotations

from typing import Any

from contactapi.custom_fields.values import DATA_TYPES
from contactapi.web.openapi import NULLABLE_STRING, Schema, ok, operation, path_param, ref

CUSTOM_FIELD: Schema = {
    "type": "object",
    "required": [
        "id",
        "name",
        "fieldKey",
        "placeholder",
        "position",
        "dataType",
        "picklistOptions",
    ],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "fieldKey": {"type": "string", "description": "`contact.` + the name in snake case"},
        "placeholder": NULLABLE_STRING,
        "position": {"type": "integer"},
        "dataType": {"type": "string", "enum": list(DATA_TYPES)},
        "picklistOptions": {"type": "array", "items": {"type": "string"}},
    },
}

CUSTOM_FIELD_IN: Schema = {
    "type": "object",
    "description": "`name` and `dataType` are required on create; PUT changes the sent keys. "
    "`options` is required for CHECKBOX, SINGLE_OPTIONS and MULTIPLE_OPTIONS.",
    "properties": {
        "name": {"type": "string"},
        "dataType": {"type": "string", "enum": list(DATA_TYPES)},
        "placeholder": NULLABLE_STRING,
        "position": {"type": "integer", "minimum": 0},
        "options": {"type": "array", "items": {"type": "string"}},
    },
}

_ID = [path_param("customFieldId", "Custom field id")]
_MANY: Schema = {
    "type": "object",
    "required": ["customFields"],
    "properties": {"customFields": {"type": "array", "items": ref("CustomField")}},
}

schemas: dict[str, Schema] = {"CustomField": CUSTOM_FIELD, "CustomFieldIn": CUSTOM_FIELD_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/custom-fields/": {
        "get": operation(
            "List the location's custom fields", "Custom fields", ok(_MANY), validation=False
        ),
        "post": operation(
            "Create a custom field",
            "Custom fields",
            ok(ref("CustomField")),
            body=ref("CustomFieldIn"),
        ),
    },
    "/v1/custom-fields/{customFieldId}": {
        "get": operation("Get a custom field", "Custom fields", ok(ref("CustomField")), params=_ID),
        "put": operation(
            "Update a custom field's sent keys",
            "Custom fields",
            ok(ref("CustomField")),
            params=_ID,
            body=ref("CustomFieldIn"),
        ),
        "delete": operation(
            "Delete a custom field and its values on every contact",
            "Custom fields",
            ok(None),
            params=_ID,
        ),
    },
}
