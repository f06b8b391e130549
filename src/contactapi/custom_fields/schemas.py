"""The custom field's wire shape: what POST/PUT may send, and the object every answer carries."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.custom_fields.values import DATA_TYPES, OPTION_TYPES
from contactapi.errors import FieldErrors, ValidationFailed

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
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    words = re.findall(r"[^\W_]+", spaced.lower())
    return "contact." + "_".join(words)


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
    return list(kept.values())


def parse_field(body: Mapping[str, Any], *, creating: bool) -> FieldInput:
    """Validate the sent keys; all failures are reported together, keyed by field."""
    result = FieldInput()
    errors: FieldErrors = {}

    def attempt(key: str, check: Callable[[str, Any], Any]) -> Any:
        try:
            return check(key, body.get(key))
        except v.FieldInvalid as exc:
            errors[key] = {"message": exc.message, "rule": exc.rule}
            return None

    if creating or "name" in body:
        result.name = attempt("name", v.text)
        if result.name is None and "name" not in errors:
            errors["name"] = {"message": "The name field is mandatory.", "rule": "required"}
        elif result.name is not None and field_key(result.name) == "contact.":
            errors["name"] = {"message": "The name must contain a letter or a digit.",
                              "rule": "invalid"}  # fmt: skip
    if creating or "dataType" in body:
        result.data_type = attempt("dataType", _data_type)
        if result.data_type is None and "dataType" not in errors:
            errors["dataType"] = {"message": "The data type field is mandatory.",
                                  "rule": "required"}  # fmt: skip
    if "placeholder" in body:
        result.placeholder_sent = True
        result.placeholder = attempt("placeholder", v.text)
    if "position" in body:
        result.position = attempt("position", _position)
    if "options" in body:
        result.options = attempt("options", _options)
    if creating and result.data_type in OPTION_TYPES and not result.options:
        errors.update(OPTIONS_REQUIRED)
    if errors:
        raise ValidationFailed(errors)
    return result


def field_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "fieldKey": row["field_key"],
        "placeholder": row["placeholder"],
        "position": row["position"],
        "dataType": row["data_type"],
        "picklistOptions": orjson.loads(row["options"]),
    }
