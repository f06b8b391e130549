"""Which contact field each input column fills: the API's field names, GHL's own contact
export columns ("First Name", "Business Name", "Contact Id", ...), a custom field's name or
`fieldKey`, and `--map COLUMN=FIELD`; and a cell's text as the value the API takes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

# The contact fields an import may send (as the API's POST /v1/contacts/ takes them).
SENT_FIELDS = ("name", "firstName", "lastName", "email", "phone", "companyName", "address1",
               "city", "state", "postalCode", "country", "website", "timezone", "dateOfBirth",
               "dnd", "type", "source", "assignedTo", "fingerprint", "tags",
               "customField")  # fmt: skip

# Columns an export writes, or GHL's export carries, that no write takes (ids, dates, derived
# forms): read past without a warning.
KNOWN_UNUSED = ("id", "contact id", "locationId", "contactName", "firstNameLowerCase",
                "lastNameLowerCase", "fullNameLowerCase", "emailLowerCase", "dateAdded",
                "dateUpdated", "created", "last activity", "updated", "date created",
                "additional emails", "additional phones")  # fmt: skip

# GHL's export and import headers, and common spellings, by their normalised form.
ALIASES = {
    "fullname": "name", "contactname": "name", "first": "firstName", "last": "lastName",
    "emailaddress": "email", "phonenumber": "phone", "mobile": "phone", "mobilephone": "phone",
    "businessname": "companyName", "company": "companyName",
    "address": "address1", "streetaddress": "address1", "addressline1": "address1",
    "street": "address1", "zip": "postalCode", "zipcode": "postalCode", "postcode": "postalCode",
    "dob": "dateOfBirth", "birthday": "dateOfBirth", "birthdate": "dateOfBirth",
    "contactsource": "source", "contacttype": "type", "donotdisturb": "dnd",
    "assigneduser": "assignedTo", "owner": "assignedTo", "tag": "tags",
}  # fmt: skip

IGNORE = "-"
_LIST_TYPES = frozenset({"CHECKBOX", "MULTIPLE_OPTIONS", "TEXTBOX_LIST"})


def normalised(header: str) -> str:
    """`First Name`, `first_name` and `firstName` alike: `firstname`."""
    return re.sub(r"[^0-9a-z]", "", header.lower())


_STANDARD = {normalised(name): name for name in SENT_FIELDS} | ALIASES
_UNUSED = frozenset(normalised(name) for name in KNOWN_UNUSED)


@dataclass(frozen=True, slots=True)
class CustomField:
    id: str
    name: str
    key: str
    data_type: str


def custom_fields(answers: Iterable[Mapping[str, Any]]) -> list[CustomField]:
    """From the API's custom field objects."""
    return [CustomField(f["id"], f["name"], f["fieldKey"], f["dataType"]) for f in answers]


@dataclass(frozen=True)
class ColumnPlan:
    """Each input column's destination: a contact field, or a custom field (by id)."""

    fields: dict[str, str]
    custom: dict[str, CustomField]
    ignored: list[str]


class UnknownTarget(ValueError):
    """A `--map` names no contact field and no custom field."""


def plan_columns(
    headers: Sequence[str], fields: Sequence[CustomField], mapping: Mapping[str, str]
) -> ColumnPlan:
    """`--map` first, then the standard names and aliases, then custom fields (by name, key or
    id, case and spacing aside); other columns are ignored (and listed)."""
    by_ref: dict[str, CustomField] = {}
    for field in fields:
        for ref in (field.name, field.key, field.key.removeprefix("contact."), field.id):
            by_ref.setdefault(normalised(ref), field)
    plan = ColumnPlan({}, {}, [])
    for header in headers:
        target = mapping.get(header)
        if target is not None:
            if target == IGNORE:
                continue
            if normalised(target) in _STANDARD:
                plan.fields[header] = _STANDARD[normalised(target)]
            elif normalised(target) in by_ref:
                plan.custom[header] = by_ref[normalised(target)]
            else:
                raise UnknownTarget(f"--map {header}={target}: no such contact or custom field")
            continue
        key = normalised(header)
        if key in _STANDARD:
            plan.fields[header] = _STANDARD[key]
        elif key in by_ref:
            plan.custom[header] = by_ref[key]
        elif key not in _UNUSED:
            plan.ignored.append(header)
    return plan


def body_from_cells(row: Mapping[str, str | None], plan: ColumnPlan) -> dict[str, Any]:
    """A CSV row as the body of a POST /v1/contacts/: empty cells are not sent (an import
    adds and changes, never clears); tags are comma separated; a custom field's list value is
    JSON (as exported) or comma separated."""
    body: dict[str, Any] = {}
    for header, field in plan.fields.items():
        cell = row.get(header)
        if cell is None or not cell.strip():
            continue
        if field == "tags":
            body["tags"] = [tag.strip() for tag in cell.split(",") if tag.strip()]
        elif field == "customField":
            body["customField"] = _json_or_text(cell)
        else:
            body[field] = cell
    custom: dict[str, Any] = {}
    for header, target in plan.custom.items():
        cell = row.get(header)
        if cell is not None and cell.strip():
            custom[target.id] = custom_cell(cell, target.data_type)
    if custom:
        body["customField"] = {**(body.get("customField") or {}), **custom}
    return body


def custom_cell(cell: str, data_type: str) -> Any:
    text = cell.strip()
    if data_type in _LIST_TYPES:
        value = _json_or_text(text)
        return value if isinstance(value, list) else [p.strip() for p in text.split(",")]
    if data_type == "DATE" and text.isdigit():
        return int(text)  # epoch milliseconds, as exported
    return text


def _json_or_text(text: str) -> Any:
    if text[:1] in "[{":
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return text


def cell_from_value(value: Any) -> str:
    """A contact's (or custom field's) value as a CSV cell, read back by `body_from_cells`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)


def body_from_json(record: Mapping[str, Any], plan: ColumnPlan) -> dict[str, Any]:
    """A JSON Lines record: keys map like CSV headers; values are sent as they are (a JSON
    null clears, as in the API), custom field columns as the API's `customField` object."""
    body: dict[str, Any] = {}
    for key, field in plan.fields.items():
        if key in record:
            body[field] = record[key]
    sent = body.get("customField")
    if isinstance(sent, list):  # an answer's shape: [{"id": ..., "value": ...}]
        # An item without a string id is kept under a key no field has: ignored, as the API
        # ignores a key that is no field's, never failing its chunk.
        sent = body["customField"] = {
            (item.get("id") if isinstance(item.get("id"), str) else repr(item.get("id"))): item.get(
                "value"
            )
            for item in sent
            if isinstance(item, dict)
        }
    custom = {target.id: record[key] for key, target in plan.custom.items() if key in record}
    if custom:
        body["customField"] = {**(sent if isinstance(sent, dict) else {}), **custom}
    return body
