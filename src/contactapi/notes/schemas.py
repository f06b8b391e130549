"""The note's wire shape: v1's bare object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.scope import Location

MAX_BODY = 65_536


@dataclass(frozen=True)
class NoteInput:
    body: str
    user_id: str | None


def parse_note(body: dict[str, Any], location: Location) -> v.Checked[NoteInput]:
    """A create or PUT body: `body` required (1 to 65,536 characters), `userId` optional."""

    def read(errors: v.Errors) -> NoteInput:
        text = errors.read("body", lambda key, raw: v.text(key, raw, MAX_BODY), body.get("body"),
                           required=True)  # fmt: skip
        user_id = errors.read("userId", v.text, body.get("userId"))
        return NoteInput(text, user_id)

    return v.checked(read)


def note_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "body": row["body"],
        "createdBy": row["user_id"],
        "createdAt": iso_ms(row["created_at"]),
    }
