"""The opportunity's wire shape (v1's object, the contact embedded) and what a create, PUT or
status change may send."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.contacts.schemas import ContactInput, prepare_contact
from contactapi.core import iso_ms
from contactapi.scope import Location

STATUSES = ("open", "won", "lost", "abandoned")
# The contact fields an opportunity body may carry, for the contact it finds or creates.
CONTACT_KEYS = ("email", "name", "phone", "companyName", "tags")
MAX_MONETARY_VALUE = 1e15
CONTACT_REQUIRED = "contactId or email"


@dataclass(frozen=True)
class OpportunityInput:
    title: str
    status: str
    stage_id: str
    # The contact: by id, else found or created as `POST /v1/contacts/` does (`contact`).
    contact_id: str | None
    contact: v.Checked[ContactInput] | None
    # The optional fields sent (a PUT keeps the others): monetaryValue, assignedTo, source.
    optional: dict[str, Any]


def monetary_value(field: str, value: Any) -> float | None:
    """A finite number >= 0 (a numeric string is read as one); `null` is no value."""
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not 0 <= number <= MAX_MONETARY_VALUE:
        raise v.FieldInvalid(f"The {v.label(field)} must be a number from 0 to 10^15.")
    return number


def parse_status(field: str, value: Any) -> str | None:
    return v.choice(field, value, STATUSES)


def parse_opportunity(body: dict[str, Any], location: Location) -> v.Checked[OpportunityInput]:
    """A create or PUT body: `title`, `status`, `stageId` and `contactId` or `email` required
    (v1's 422 map); with `email` and no `contactId`, the contact fields are read as a contact
    upsert reads them, and their failures are keyed as there."""

    def read(errors: v.Errors) -> OpportunityInput:
        title = errors.read("title", v.text, body.get("title"), required=True)
        status = errors.read("status", parse_status, body.get("status"), required=True)
        stage_id = errors.read("stageId", lambda k, value: v.text(k, value, 64),
                               body.get("stageId"), required=True)  # fmt: skip
        contact_id = errors.read("contactId", v.text, body.get("contactId"))
        # The contact fields are checked whenever sent, used only without `contactId`.
        sent = {key: body[key] for key in CONTACT_KEYS if key in body}
        contact = prepare_contact(sent, location) if sent else None
        if contact is not None:
            errors.update(contact.errors)
        email = contact.value.columns.get("email") if contact is not None else None
        if contact_id is None and email is None and "email" not in errors.fields:
            errors.add(CONTACT_REQUIRED, f"The {CONTACT_REQUIRED} field is mandatory.",
                       "required")  # fmt: skip
        if contact_id is not None or email is None:
            contact = None
        optional = {}
        if "monetaryValue" in body:
            optional["monetary_value"] = errors.read("monetaryValue", monetary_value,
                                                     body["monetaryValue"]) or 0.0  # fmt: skip
        if "assignedTo" in body:
            optional["assigned_to"] = errors.read("assignedTo", v.text, body["assignedTo"])
        if "source" in body:
            optional["source"] = errors.read("source", v.text, body["source"])
        return OpportunityInput(title, status, stage_id, contact_id, contact, optional)

    return v.checked(read)


@dataclass(frozen=True)
class StatusInput:
    status: str
    stage_id: str | None


def parse_status_body(body: dict[str, Any], location: Location) -> v.Checked[StatusInput]:
    def read(errors: v.Errors) -> StatusInput:
        status = errors.read("status", parse_status, body.get("status"), required=True)
        stage_id = errors.read("stageId", lambda k, value: v.text(k, value, 64),
                               body.get("stageId"))  # fmt: skip
        return StatusInput(status, stage_id)

    return v.checked(read)


def _number(value: float) -> float | int:
    """`120`, as v1 answers a whole amount, rather than `120.0`."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def opportunity_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    """`row`: the opportunity's columns and its contact's, prefixed `contact_`."""
    return {
        "id": row["id"],
        "name": row["name"],
        "monetaryValue": _number(float(row["monetary_value"])),
        "pipelineId": row["pipeline_id"],
        "pipelineStageId": row["stage_id"],
        "assignedTo": row["assigned_to"],
        "status": row["status"],
        "source": row["source"],
        "lastStatusChangeAt": iso_ms(row["last_status_change_at"]),
        "createdAt": iso_ms(row["created_at"]),
        "updatedAt": iso_ms(row["updated_at"]),
        "contact": {
            "id": row["contact_id"],
            "name": row["contact_name"],
            "companyName": row["contact_company_name"],
            "email": row["contact_email"],
            "phone": row["contact_phone"],
            "tags": orjson.loads(row["contact_tags"]),
        },
    }
