"""OpenAPI description of the custom value routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

CUSTOM_VALUE: Schema = {
    "type": "object",
    "required": ["id", "name", "fieldKey", "value"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "fieldKey": {"type": "string", "description": "`{{ custom_value.<snake_name> }}`"},
        "value": {"type": "string"},
    },
}

CUSTOM_VALUE_IN: Schema = {
    "type": "object",
    "required": ["name", "value"],
    "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
}

_EXAMPLE = {
    "id": "ocQHyuzHvysMo5N5VsXc",
    "name": "Office Phone",
    "fieldKey": "{{ custom_value.office_phone }}",
    "value": "+1 888-732-4197",
}
_BODY_EXAMPLE = {"name": "Office Phone", "value": "+1 888-732-4197"}
_LIST: Schema = {"type": "array", "items": ref("CustomValue")}
_ID = [path_param("customValueId", "Custom value id")]

schemas: dict[str, Schema] = {"CustomValue": CUSTOM_VALUE, "CustomValueIn": CUSTOM_VALUE_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/custom-values/": {
        "get": operation(
            "List the location's custom values (under both `customValues` and v1's `customFields`)",
            "Custom values",
            ok({"type": "object", "properties": {"customValues": _LIST, "customFields": _LIST}}),
            params=PAGE_PARAMS,
            example={"customValues": [_EXAMPLE], "customFields": [_EXAMPLE]},
        ),
        "post": operation(
            "Create a custom value",
            "Custom values",
            ok(ref("CustomValue")),
            body=ref("CustomValueIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
    },
    "/v1/custom-values/{customValueId}": {
        "get": operation(
            "Get a custom value",
            "Custom values",
            ok(ref("CustomValue")),
            params=_ID,
            example=_EXAMPLE,
        ),
        "put": operation(
            "Replace a custom value's name and value",
            "Custom values",
            ok(ref("CustomValue")),
            params=_ID,
            body=ref("CustomValueIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
        "delete": operation("Delete a custom value", "Custom values", ok(None), params=_ID),
    },
}
