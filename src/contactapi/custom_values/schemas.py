"""The custom value's wire shape: a named value of the location, used in templates as
`{{ custom_value.<snake_name> }}`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.limits import MAX_VALUE_BYTES
from contactapi.scope import Location


@dataclass(frozen=True)
class CustomValueInput:
    name: str
    value: str


def field_key(name: str) -> str:
    """`{{ custom_value.` + the name in snake case + ` }}`: `Office Phone` ->
    `{{ custom_value.office_phone }}`."""
    return "{{ custom_value." + v.snake_case(name) + " }}"


def parse_custom_value(body: dict[str, Any], location: Location) -> v.Checked[CustomValueInput]:
    """A create or PUT body (both require `name` and `value`), read before the transaction."""

    def read(errors: v.Errors) -> CustomValueInput:
        name = errors.read("name", v.text, body.get("name"), required=True)
        if name is not None and not re.search(r"[^\W_]", name):
            errors.add("name", "The name must contain a letter or a digit.", "invalid")
        value = errors.read(
            "value", lambda key, raw: v.text(key, raw, MAX_VALUE_BYTES), body.get("value"),
            required=True,
        )  # fmt: skip
        return CustomValueInput(name, value)

    return v.checked(read)


def custom_value_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "fieldKey": row["field_key"],
        "value": row["value"],
    }
