"""OpenAPI description of the contact routes."""

from __future__ import annotations

from typing import Any

from contactapi.contacts.schemas import CONTACT as CONTACT_FIELDS
from contactapi.web.openapi import NULLABLE_STRING, Schema, ok, operation, path_param, ref

CONTACT: Schema = CONTACT_FIELDS.answer_schema()
CONTACT_IN: Schema = CONTACT_FIELDS.request_schema(
    "Email or phone is required on create. Unknown keys are ignored."
)
_CONTACT_EXAMPLE = CONTACT_FIELDS.answer_example()
_CONTACT_IN_EXAMPLE = CONTACT_FIELDS.request_example()

_ID = [path_param("id", "Contact id")]
_ONE: Schema = {
    "type": "object",
    "required": ["contact"],
    "properties": {"contact": ref("Contact")},
}
_UPSERTED: Schema = {
    "type": "object",
    "required": ["contact", "new"],
    "properties": {"contact": ref("Contact"), "new": {"type": "boolean"}},
}
_MANY: Schema = {
    "type": "object",
    "required": ["contacts"],
    "properties": {"contacts": {"type": "array", "items": ref("Contact")}},
}

_NULLABLE_INT: Schema = {"type": ["integer", "null"]}
_META_KEYS = ["total", "nextPageUrl", "startAfterId", "startAfter", "currentPage", "nextPage",
              "prevPage"]  # fmt: skip
_LIST: Schema = {
    "type": "object",
    "required": ["contacts", "meta"],
    "properties": {
        "contacts": {"type": "array", "items": ref("Contact")},
        "meta": {
            "type": "object",
            "required": _META_KEYS,
            "properties": {
                "total": {"type": "integer", "description": "Every match, not just this page."},
                "nextPageUrl": {
                    "type": ["string", "null"],
                    "description": "Absolute URL of the next page, keeping every other "
                    "parameter; null on the last page.",
                },
                "startAfterId": {**NULLABLE_STRING, "description": "Last contact of the page."},
                "startAfter": {**_NULLABLE_INT, "description": "Its sort value, epoch ms."},
                "currentPage": _NULLABLE_INT,
                "nextPage": _NULLABLE_INT,
                "prevPage": _NULLABLE_INT,
            },
        },
    },
}


def _query(name: str, description: str, schema: Schema) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


_LIST_PARAMS = [
    _query("query", "Case-insensitive substring of the name, first/last name, email, company "
           "and tags; a phone-shaped query (`888-732`) also matches the phone's digits.",
           {"type": "string", "maxLength": 255}),
    _query("sortBy", "Sort field.", {"type": "string", "enum": ["date_added", "date_updated"],
                                     "default": "date_added"}),
    _query("order", "Sort order.", {"type": "string", "enum": ["desc", "asc"],
                                    "default": "desc"}),
    _query("limit", "Contacts per page.", {"type": "integer", "minimum": 1, "maximum": 100,
                                           "default": 20}),
    _query("startAfter", "Cursor: epoch milliseconds of the sort field (integer or decimal); "
           "the page starts strictly past it, or past (startAfter, startAfterId).",
           {"type": "number"}),
    _query("startAfterId", "Cursor: the id of the last contact already seen.",
           {"type": "string"}),
    _query("page", "Deprecated: page number (1-based), with limit.",
           {"type": "integer", "minimum": 1}),
]  # fmt: skip

_META_EXAMPLE = {
    "total": 1,
    "nextPageUrl": None,
    "startAfterId": "ocQHyuzHvysMo5N5VsXc",
    "startAfter": 1603963890255,
    "currentPage": 1,
    "nextPage": None,
    "prevPage": None,
}

schemas: dict[str, Schema] = {"Contact": CONTACT, "ContactIn": CONTACT_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/contacts/": {
        "get": operation(
            "List and search contacts (keyset pagination)",
            "Contacts",
            ok(_LIST),
            params=_LIST_PARAMS,
            example={"contacts": [_CONTACT_EXAMPLE], "meta": _META_EXAMPLE},
        ),
        "post": operation(
            "Create or update a contact (dedupe by email, then phone)",
            "Contacts",
            ok(_UPSERTED),
            body=ref("ContactIn"),
            example={"contact": _CONTACT_EXAMPLE, "new": True},
            body_example=_CONTACT_IN_EXAMPLE,
        ),
    },
    "/v1/contacts/lookup": {
        "get": operation(
            "Find contacts by email, else by phone",
            "Contacts",
            ok(_MANY),
            example={"contacts": [_CONTACT_EXAMPLE]},
            params=[
                {"name": "email", "in": "query", "schema": {"type": "string"}},
                {"name": "phone", "in": "query", "schema": {"type": "string"}},
            ],
        ),
    },
    "/v1/contacts/{id}": {
        "get": operation(
            "Get a contact", "Contacts", ok(_ONE), params=_ID, example={"contact": _CONTACT_EXAMPLE}
        ),
        "put": operation(
            "Update a contact's sent fields",
            "Contacts",
            ok(_ONE),
            params=_ID,
            body=ref("ContactIn"),
            example={"contact": _CONTACT_EXAMPLE},
            body_example=_CONTACT_IN_EXAMPLE,
        ),
        "delete": operation("Delete a contact", "Contacts", ok(None), params=_ID),
    },
}
