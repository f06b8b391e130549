"""The contact's wire shape: what a request may send, and the object every answer carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.contacts.tagging import parse_tags
from contactapi.core import iso_ms
from contactapi.errors import ValidationFailed
from contactapi.scope import Location

CONTACT_TYPES = ("lead", "customer")

# API key -> (column, validator). Names, email/phone, tags and customField are handled apart.
Validator = Callable[[str, Any], Any]
SIMPLE_FIELDS: dict[str, tuple[str, Validator]] = {
    "companyName": ("company_name", v.text),
    "address1": ("address1", v.text),
    "city": ("city", v.text),
    "state": ("state", v.text),
    "postalCode": ("postal_code", v.text),
    "country": ("country", v.country),
    "website": ("website", v.website),
    "timezone": ("timezone", v.timezone),
    "dateOfBirth": ("date_of_birth", v.iso_date),
    "dnd": ("dnd", v.boolean),
    "type": ("type", lambda f, x: v.choice(f, x, CONTACT_TYPES)),
    "source": ("source", v.text),
    "assignedTo": ("assigned_to", v.text),
    "fingerprint": ("fingerprint", v.text),
}

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


def parse_contact(body: Mapping[str, Any], country: str, errors: v.Errors) -> ContactInput:
    """Every sent field, validated; each failure is filed in `errors`, keyed by field."""
    result = ContactInput()
    for key, (column, check) in SIMPLE_FIELDS.items():
        if key in body:
            value = errors.read(key, check, body[key])
            if key not in errors.fields:
                result.columns[column] = value
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
    first, last, full = row["first_name"], row["last_name"], row["contact_name"]
    return {
        "id": row["id"],
        "locationId": row["location_id"],
        "contactName": full,
        "firstName": first,
        "lastName": last,
        "firstNameLowerCase": first.lower() if first else None,
        "lastNameLowerCase": last.lower() if last else None,
        "fullNameLowerCase": full.lower() if full else None,
        "email": row["email"],
        "emailLowerCase": row["email_lower"],
        "phone": row["phone"],
        "companyName": row["company_name"],
        "address1": row["address1"],
        "city": row["city"],
        "state": row["state"],
        "postalCode": row["postal_code"],
        "country": row["country"],
        "website": row["website"],
        "timezone": row["timezone"],
        "dateOfBirth": row["date_of_birth"],
        "dnd": bool(row["dnd"]),
        "type": row["type"],
        "source": row["source"],
        "assignedTo": row["assigned_to"],
        "fingerprint": row["fingerprint"],
        "tags": orjson.loads(row["tags"]),
        "customField": custom_values,
        "dateAdded": iso_ms(row["date_added"]),
        "dateUpdated": iso_ms(row["date_updated"]),
    }
