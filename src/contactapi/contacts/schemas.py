"""The contact's wire shape: what a request may send, and the object every answer carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.contacts.tagging import MAX_TAGS_PER_REQUEST, parse_tags
from contactapi.core import iso_ms
from contactapi.custom_fields.service import MAX_VALUES_PER_REQUEST
from contactapi.errors import ValidationFailed
from contactapi.fields import Field, FieldTable, Schema
from contactapi.scope import Location
from contactapi.webhooks.events import PreparedEvent

CONTACT_TYPES = ("lead", "customer")

_STRING: Schema = {"type": ["string", "null"]}


def _text_in(max_length: int = v.MAX_TEXT, **extra: Any) -> Schema:
    return {"type": ["string", "null"], "maxLength": max_length, **extra}


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def _text(key: str, column: str, example: str | None, **sent: Any) -> Field:
    """A text field sent and answered as is (trimmed; empty is no value)."""
    return Field(key, column, v.text, sent=_text_in(**sent), answered=_STRING, example=example)


# The contact: every key a request may send and an answer carries, in the answer's order.
# Fields read apart (name parts, email, phone, tags, custom values) have `read=None`.
CONTACT = FieldTable([
    Field("id", "id", answered={"type": "string"}, example="ocQHyuzHvysMo5N5VsXc"),
    Field("locationId", "location_id", answered={"type": "string"},
          example="ve9EPM428h8vShlRW1KT"),
    Field("contactName", "contact_name", answered=_STRING, example="John Deo"),
    Field("name", sent=_text_in(description="Split on its first space into first and last name"),
          sent_example="John Deo"),
    Field("firstName", "first_name", sent=_text_in(), answered=_STRING, example="John"),
    Field("lastName", "last_name", sent=_text_in(), answered=_STRING, example="Deo"),
    Field("firstNameLowerCase", "first_name", convert=_lower, answered=_STRING, example="john"),
    Field("lastNameLowerCase", "last_name", convert=_lower, answered=_STRING, example="deo"),
    Field("fullNameLowerCase", "contact_name", convert=_lower, answered=_STRING,
          example="john deo"),
    Field("email", "email", sent=_text_in(254, format="email"), answered=_STRING,
          example="john@deo.com"),
    Field("emailLowerCase", "email_lower", answered=_STRING, example="john@deo.com"),
    Field("phone", "phone", sent=_text_in(64, description="Parsed with the location's default "
          "country"), answered=_STRING, example="+18887324197"),
    _text("companyName", "company_name", "DGS VolMAX"),
    _text("address1", "address1", "3535 1st St N"),
    _text("city", "city", "Dolomite"),
    _text("state", "state", "AL"),
    _text("postalCode", "postal_code", "35061"),
    Field("country", "country", v.country, sent=_text_in(2, description="ISO 3166-1 alpha-2"),
          answered=_STRING, example="US"),
    Field("website", "website", v.website, sent=_text_in(2048), answered=_STRING,
          example="https://www.tesla.com"),
    Field("timezone", "timezone", v.timezone, sent=_text_in(64, description="IANA time zone"),
          answered=_STRING, example="America/Chihuahua"),
    Field("dateOfBirth", "date_of_birth", v.iso_date, sent=_text_in(10, format="date"),
          answered=_STRING, example="1990-09-25"),
    Field("dnd", "dnd", v.boolean, convert=bool,
          sent={"type": ["boolean", "null"]}, answered={"type": "boolean"}, example=False,
          default=False),
    Field("type", "type", lambda key, value: v.choice(key, value, CONTACT_TYPES),
          sent={"type": ["string", "null"], "enum": [*CONTACT_TYPES, None]},
          answered={"type": "string", "enum": list(CONTACT_TYPES)}, example="lead",
          default="lead"),
    _text("source", "source", "public api"),
    _text("assignedTo", "assigned_to", None),
    _text("fingerprint", "fingerprint", None),
    Field("tags", "tags", convert=orjson.loads,
          sent={"type": ["array", "null"], "maxItems": MAX_TAGS_PER_REQUEST,
                "items": {"type": "string", "maxLength": v.MAX_TEXT}},
          answered={"type": "array", "items": {"type": "string"}},
          example=["nisi sint commodo amet", "consequat"], default="[]"),
    Field("customField",
          sent={"type": ["object", "null"], "maxProperties": MAX_VALUES_PER_REQUEST,
                "description": "Values keyed by custom field id or fieldKey"},
          answered={"type": "array", "items": {"type": "object", "properties": {
              "id": {"type": "string"}, "value": {}}}},
          example=[{"id": "6dvNaf7VhkQ9snc5vnjJ", "value": "blue"}],
          sent_example={"6dvNaf7VhkQ9snc5vnjJ": "blue"}),
    Field("dateAdded", "date_added", convert=iso_ms,
          answered=_STRING, example="2020-10-29T09:31:30.255Z"),
    Field("dateUpdated", "date_updated", convert=iso_ms,
          answered=_STRING, example="2020-10-29T09:31:30.255Z"),
])  # fmt: skip

EMAIL_OR_PHONE_REQUIRED = ValidationFailed.one(
    "email or phone", "The email or phone field is mandatory.", "required"
)


@dataclass
class ContactInput:
    """The fields a request sent, validated and normalised; absent keys are absent here."""

    columns: dict[str, Any] = field(default_factory=dict)
    # Name parts as sent: None means "not sent"; ("", ) style values are already None-ed.
    name_sent: bool = False
    name: str | None = None
    first_sent: bool = False
    first_name: str | None = None
    last_sent: bool = False
    last_name: str | None = None
    tags: list[str] | None = None
    custom_fields: dict[str, Any] | None = None
    # A create's contact, made before the transaction (`service.prepare_create`).
    new: NewContact | None = None


@dataclass(frozen=True, slots=True)
class NewContact:
    """The contact a create inserts when it finds no duplicate: every column of its row (its
    location and search document included) and its answer without custom values. Pure Python,
    made before the transaction: none of it holds SQLite's write lock."""

    row: dict[str, Any]
    answer: dict[str, Any]
    # Its ContactCreate, when a subscription is likely to want it.
    event: PreparedEvent | None = None


def parse_contact(body: Mapping[str, Any], country: str, errors: v.Errors) -> ContactInput:
    """Every sent field, validated; each failure is filed in `errors`, keyed by field."""
    result = ContactInput(columns=CONTACT.read(body, errors))
    if "email" in body:
        result.columns["email"] = errors.read("email", v.email, body["email"])
    if "phone" in body:
        result.columns["phone"] = errors.read(
            "phone", lambda key, value: v.phone(key, value, country), body["phone"]
        )
    if "name" in body:
        result.name_sent = True
        result.name = errors.read("name", v.text, body["name"])
    if "firstName" in body:
        result.first_sent = True
        result.first_name = errors.read("firstName", v.text, body["firstName"])
    if "lastName" in body:
        result.last_sent = True
        result.last_name = errors.read("lastName", v.text, body["lastName"])
    if "tags" in body and body["tags"] is not None:
        result.tags = errors.read("tags", parse_tags, body["tags"])
    elif "tags" in body:
        result.tags = []
    if "customField" in body and body["customField"] is not None:
        if isinstance(body["customField"], dict):
            result.custom_fields = body["customField"]
        else:
            errors.add(
                "customField", "The custom field must be an object keyed by custom field id."
            )
    return result


def prepare_contact(body: dict[str, Any], location: Location) -> v.Checked[ContactInput]:
    """A contact body read before the transaction: the custom field values, which need the
    database, are checked in it, and reported with these failures in one 422."""
    return v.checked(lambda errors: parse_contact(body, location.country, errors))


def contact_to_api(row: Mapping[str, Any], custom_values: list[dict[str, Any]]) -> dict[str, Any]:
    return CONTACT.answer(row, customField=custom_values)
