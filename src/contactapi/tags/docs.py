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

TAG_IN: Schema = {
    "type": "object",
    "required": ["name"],
    "description": "The name is trimmed and lower-cased, as contacts' tags are.",
    "properties": {"name": {"type": "string", "maxLength": 255}},
}
_TAG_EXAMPLE = {"id": "kAllGzwHkSVZC11GYKF9", "name": "first tag"}
_TAG_ID = [path_param("tagId", "Tag id")]

schemas: dict[str, Schema] = {"Tag": TAG, "TagsIn": TAGS_IN, "TagIn": TAG_IN}

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
            "The location's tags, by name (also those no contact carries yet)",
            "Tags",
            ok(_TAG_LIST),
            params=PAGE_PARAMS,
            example=_TAG_LIST_EXAMPLE,
        ),
        "post": operation(
            "Create a tag (a name the location has answers that tag)",
            "Tags",
            ok(ref("Tag")),
            body=ref("TagIn"),
            example=_TAG_EXAMPLE,
            body_example={"name": "First Tag"},
        ),
    },
    "/v1/tags/{tagId}": {
        "get": operation("Get a tag", "Tags", ok(ref("Tag")), params=_TAG_ID, example=_TAG_EXAMPLE),
        "put": operation(
            "Rename a tag: every contact carrying it carries the new name, in one transaction",
            "Tags",
            ok(ref("Tag")),
            params=_TAG_ID,
            body=ref("TagIn"),
            example={**_TAG_EXAMPLE, "name": "second tag"},
            body_example={"name": "second tag"},
        ),
        "delete": operation(
            "Delete a tag: it is removed from every contact", "Tags", ok(None), params=_TAG_ID
        ),
    },
}
