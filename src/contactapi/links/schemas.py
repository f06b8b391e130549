"""The trigger link's wire shape: a named redirect, used in templates as
`{{trigger_link.<id>}}`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.scope import Location


@dataclass(frozen=True)
class LinkInput:
    name: str
    redirect_to: str


def parse_link(body: dict[str, Any], location: Location) -> v.Checked[LinkInput]:
    """A create or PUT body (both require `name` and `redirectTo`), read before the
    transaction."""

    def read(errors: v.Errors) -> LinkInput:
        name = errors.read("name", v.text, body.get("name"), required=True)
        redirect_to = errors.read("redirectTo", v.url, body.get("redirectTo"), required=True)
        return LinkInput(name, redirect_to)

    return v.checked(read)


def link_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "redirectTo": row["redirect_to"],
        "fieldKey": "{{trigger_link." + row["id"] + "}}",
        "locationId": row["location_id"],
    }
