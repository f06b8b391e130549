"""OpenAPI description of the custom field routes."""

from __future__ import annotations

from typing import Any

from contactapi.custom_fields.values import DATA_TYPES
from contactapi.web.openapi import (
    NULLABLE_STRING,
    PAGE_PARAMS,
    Schema,
    ok,
    operation,
    path_param,
    ref,
)

CUSTOM_FIELD: Schema = {
    "type": "object",
    "required": [
        "id",
        "name",
        "fieldKey",
        "placeholder",
        "position",
        "dataType",
        "dateType",
        "picklistOptions",
    ],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "fieldKey": {"type": "string", "description": "`contact.` + the name in snake case"},
        "placeholder": NULLABLE_STRING,
        "position": {"type": "integer"},
        "dataType": {"type": "string", "enum": list(DATA_TYPES)},
        "dateType": {
            "type": "string",
            "enum": list(DATA_TYPES),
            "description": "`dataType` again, as v1's documented answers spell it",
        },
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

_FIELD_EXAMPLE = {
    "id": "ocQHyuzHvysMo5N5VsXc",
    "name": "Favourite Colour",
    "fieldKey": "contact.favourite_colour",
    "placeholder": "Pick a colour",
    "position": 1,
    "dataType": "SINGLE_OPTIONS",
    "dateType": "SINGLE_OPTIONS",
    "picklistOptions": ["Red", "Green", "Blue"],
}
_FIELD_IN_EXAMPLE = {
    "name": "Favourite Colour",
    "dataType": "SINGLE_OPTIONS",
    "placeholder": "Pick a colour",
    "position": 1,
    "options": ["Red", "Green", "Blue"],
}
_CHANGES_EXAMPLE = {
    "placeholder": "Your favourite colour",
    "options": ["Red", "Green", "Blue", "Yellow"],
}
_MANY_EXAMPLE = {
    "customFields": [
        {
            "id": "z0R4fWcIjeYSeLQqhBAF",
            "name": "Pincode",
            "fieldKey": "contact.pincode",
            "placeholder": None,
            "position": 0,
            "dataType": "TEXT",
            "dateType": "TEXT",
            "picklistOptions": [],
        },
        _FIELD_EXAMPLE,
    ]
}

schemas: dict[str, Schema] = {"CustomField": CUSTOM_FIELD, "CustomFieldIn": CUSTOM_FIELD_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/custom-fields/": {
        "get": operation(
            "List the location's custom fields",
            "Custom fields",
            ok(_MANY),
            params=PAGE_PARAMS,
            example=_MANY_EXAMPLE,
        ),
        "post": operation(
            "Create a custom field",
            "Custom fields",
            ok(ref("CustomField")),
            body=ref("CustomFieldIn"),
            example=_FIELD_EXAMPLE,
            body_example=_FIELD_IN_EXAMPLE,
        ),
    },
    "/v1/custom-fields/{customFieldId}": {
        "get": operation(
            "Get a custom field",
            "Custom fields",
            ok(ref("CustomField")),
            params=_ID,
            example=_FIELD_EXAMPLE,
        ),
        "put": operation(
            "Update a custom field's sent keys",
            "Custom fields",
            ok(ref("CustomField")),
            params=_ID,
            body=ref("CustomFieldIn"),
            example={
                **_FIELD_EXAMPLE,
                "placeholder": _CHANGES_EXAMPLE["placeholder"],
                "picklistOptions": _CHANGES_EXAMPLE["options"],
            },
            body_example=_CHANGES_EXAMPLE,
        ),
        "delete": operation(
            "Delete a custom field and its values on every contact",
            "Custom fields",
            ok(None),
            params=_ID,
        ),
    },
}
