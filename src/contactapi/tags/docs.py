"""OpenAPI description of the tag routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

TAGS_IN: Schema = {
    "type": "object",
    "required": ["tags"],
    "description": "Tags are trimmed and lower-cased; duplicates and empty strings are dropped.",
    "properties": {"tags": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
}
_CONTACT_TAGS: Schema = {
    "type": "object",
    "required": ["tags"],
    "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
}
TAG: Schema = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
_TAG_LIST: Schema = {
    "type": "object",
    "required": ["tags"],
    "properties": {"tags": {"type": "array", "items": ref("Tag")}},
}
_CONTACT_ID = [path_param("contactId", "Contact id")]
_TAG_LIST_EXAMPLE = {
    "tags": [
        {"id": "ocQHyuzHvysMo5N5VsXc", "name": "buyer"},
        {"id": "3kA9vTqPz1LmW7xYbC2d", "name": "cash offer"},
        {"id": "Zx8bN4kR2sQeT6uVw0Yh", "name": "vip"},
    ]
}

schemas: dict[str, Schema] = {"Tag": TAG, "TagsIn": TAGS_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/contacts/{contactId}/tags/": {
        "post": operation(
            "Add tags to a contact; answers all its tags",
            "Tags",
            ok(_CONTACT_TAGS),
            params=_CONTACT_ID,
            body=ref("TagsIn"),
            example={"tags": ["buyer", "cash offer", "vip"]},
            body_example={"tags": ["VIP", "cash offer"]},
        ),
        "delete": operation(
            "Remove tags from a contact (case-insensitive); answers all its tags",
            "Tags",
            ok(_CONTACT_TAGS),
            params=_CONTACT_ID,
            body=ref("TagsIn"),
            example={"tags": ["buyer", "vip"]},
            body_example={"tags": ["Cash Offer"]},
        ),
    },
    "/v1/tags/": {
        "get": operation(
            "The location's tags in use",
            "Tags",
            ok(_TAG_LIST),
            params=PAGE_PARAMS,
            example=_TAG_LIST_EXAMPLE,
        ),
    },
}
