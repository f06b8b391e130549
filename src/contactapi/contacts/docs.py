"""OpenAPI description of the contact routes."""

from __future__ import annotations

from typing import Any

from contactapi.contacts.tagging import MAX_TAGS_PER_REQUEST
from contactapi.custom_fields.service import MAX_VALUES_PER_REQUEST
from contactapi.validation import MAX_TEXT
from contactapi.web.openapi import NULLABLE_STRING, Schema, ok, operation, path_param, ref, text_in

_STRING_FIELDS = [
    "contactName",
    "firstName",
    "lastName",
    "firstNameLowerCase",
    "lastNameLowerCase",
    "fullNameLowerCase",
    "email",
    "emailLowerCase",
    "phone",
    "companyName",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "website",
    "timezone",
    "dateOfBirth",
    "source",
    "assignedTo",
    "fingerprint",
    "dateAdded",
    "dateUpdated",
]

CONTACT: Schema = {
    "type": "object",
    "required": ["id", "locationId", *_STRING_FIELDS, "dnd", "type", "tags", "customField"],
    "properties": {
        "id": {"type": "string"},
        "locationId": {"type": "string"},
        **{name: NULLABLE_STRING for name in _STRING_FIELDS},
        "dnd": {"type": "boolean"},
        "type": {"type": "string", "enum": ["lead", "customer"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "customField": {
            "type": "array",
            "items": {"type": "object", "properties": {"id": {"type": "string"}, "value": {}}},
        },
    },
}

CONTACT_IN: Schema = {
    "type": "object",
    "description": "Email or phone is required on create. Unknown keys are ignored.",
    "properties": {
        **{
            name: text_in(MAX_TEXT)
            for name in ["name", "firstName", "lastName", "companyName", "address1", "city",
                         "state", "postalCode", "source", "assignedTo", "fingerprint"]
        },
        "email": text_in(254, format="email"),
        "phone": text_in(64, description="Parsed with the location's default country"),
        "country": text_in(2, description="ISO 3166-1 alpha-2"),
        "website": text_in(2048),
        "timezone": text_in(64, description="IANA time zone"),
        "dateOfBirth": text_in(10, format="date"),
        "dnd": {"type": ["boolean", "null"]},
        "type": {"type": ["string", "null"], "enum": ["lead", "customer", None]},
        "tags": {"type": ["array", "null"], "maxItems": MAX_TAGS_PER_REQUEST,
                 "items": {"type": "string", "maxLength": MAX_TEXT}},
        "customField": {"type": ["object", "null"], "maxProperties": MAX_VALUES_PER_REQUEST,
                        "description": "Values keyed by custom field id or fieldKey"},
    },
}  # fmt: skip

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

schemas: dict[str, Schema] = {"Contact": CONTACT, "ContactIn": CONTACT_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/contacts/": {
        "get": operation(
            "List and search contacts (keyset pagination)",
            "Contacts",
            ok(_LIST),
            params=_LIST_PARAMS,
        ),
        "post": operation(
            "Create or update a contact (dedupe by email, then phone)",
            "Contacts",
            ok(_UPSERTED),
            body=ref("ContactIn"),
        ),
    },
    "/v1/contacts/lookup": {
        "get": operation(
            "Find contacts by email, else by phone",
            "Contacts",
            ok(_MANY),
            params=[
                {"name": "email", "in": "query", "schema": {"type": "string"}},
                {"name": "phone", "in": "query", "schema": {"type": "string"}},
            ],
        ),
    },
    "/v1/contacts/{id}": {
        "get": operation("Get a contact", "Contacts", ok(_ONE), params=_ID),
        "put": operation(
            "Update a contact's sent fields",
            "Contacts",
            ok(_ONE),
            params=_ID,
            body=ref("ContactIn"),
        ),
        "delete": operation("Delete a contact", "Contacts", ok(None), params=_ID),
    },
}
