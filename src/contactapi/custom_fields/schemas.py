"""The custom field's wire shape: what POST/PUT may send, and the object every answer carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.custom_fields.values import DATA_TYPES, OPTION_TYPES
from contactapi.errors import FieldErrors
from contactapi.limits import MAX_VALUE_BYTES
from contactapi.scope import Location

MAX_OPTIONS = 1000
MAX_POSITION = 1_000_000
# v1 files a missing option list under this combined key (its documented 422).
OPTIONS_KEY = "options or acceptedFormat or textBoxListOptions"
OPTIONS_REQUIRED: FieldErrors = {
    OPTIONS_KEY: {"message": f"The {OPTIONS_KEY} field is mandatory.", "rule": "required"}
}


@dataclass
class FieldInput:
    """The keys a request sent, validated; `None` attributes were not sent."""

    name: str | None = None
    data_type: str | None = None
    placeholder_sent: bool = False
    placeholder: str | None = None
    position: int | None = None
    options: list[str] | None = None


def field_key(name: str) -> str:
    """`contact.` + the name in snake case: `Favourite Colour` -> `contact.favourite_colour`,
    `dateOfBirth2` -> `contact.date_of_birth2`."""
    return "contact." + v.snake_case(name)


def _data_type(field: str, value: Any) -> str | None:
    raw = v.text(field, value, 32)
    if raw is None:
        return None
    if raw.upper() not in DATA_TYPES:
        raise v.FieldInvalid(f"The data type must be one of: {', '.join(DATA_TYPES)}.")
    return raw.upper()


def _position(field: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise v.FieldInvalid("The position must be a whole number, 0 or more.")
    if value > MAX_POSITION:
        raise v.FieldInvalid(f"The position may not be greater than {MAX_POSITION}.", "max")
    return value


def _options(field: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise v.FieldInvalid("The options must be a list of strings.")
    if len(value) > MAX_OPTIONS:
        raise v.FieldInvalid(f"The options may not have more than {MAX_OPTIONS} items.", "max")
    # Options are matched case-insensitively, so two differing only in case would be one.
    kept: dict[str, str] = {}
    for item in value:
        option = v.text(field, item)
        if option is not None:
            kept.setdefault(option.lower(), option)
    options = list(kept.values())
    if len(orjson.dumps(options)) > MAX_VALUE_BYTES:
        raise v.FieldInvalid(
            f"The options may not be larger than {MAX_VALUE_BYTES // 1024} KiB together.", "max"
        )
    return options


def parse_field(body: Mapping[str, Any], errors: v.Errors, *, creating: bool) -> FieldInput:
    """The sent keys, validated; each failure is filed in `errors`, keyed by field."""
    result = FieldInput()
    if creating or "name" in body:
        result.name = errors.read("name", v.text, body.get("name"), required=True)
        if result.name is not None and field_key(result.name) == "contact.":
            errors.add("name", "The name must contain a letter or a digit.")
    if creating or "dataType" in body:
        result.data_type = errors.read("dataType", _data_type, body.get("dataType"), required=True)
    if "placeholder" in body:
        result.placeholder_sent = True
        result.placeholder = errors.read("placeholder", v.text, body["placeholder"])
    if "position" in body:
        result.position = errors.read("position", _position, body["position"])
    if "options" in body:
        result.options = errors.read("options", _options, body["options"])
    if creating and result.data_type in OPTION_TYPES and not result.options:
        errors.update(OPTIONS_REQUIRED)
    return result


def prepare_new_field(body: dict[str, Any], location: Location) -> v.Checked[FieldInput]:
    """A POST body, read before the transaction; its failures are reported together."""
    return v.checked(lambda errors: parse_field(body, errors, creating=True))


def prepare_field_changes(body: dict[str, Any], location: Location) -> v.Checked[FieldInput]:
    """A PUT body, read before the transaction; its failures are reported (together) once the
    field's id is known to name a field."""
    return v.checked(lambda errors: parse_field(body, errors, creating=False))


def field_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "fieldKey": row["field_key"],
        "placeholder": row["placeholder"],
        "position": row["position"],
        "dataType": row["data_type"],
        # v1's documented answers spell it so: integrations written against them read it.
        "dateType": row["data_type"],
        "picklistOptions": orjson.loads(row["options"]),
    }
