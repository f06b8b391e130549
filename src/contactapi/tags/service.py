"""Tag rules: trimmed, lower-cased, deduplicated, empty ones dropped, first-addition order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contactapi.db.engine import Connection
from contactapi.tags import repository
from contactapi.validation import FieldInvalid, text

MAX_TAGS_PER_REQUEST = 1000


def parse_tags(field: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise FieldInvalid(f"The {field} must be a list of strings.")
    if len(value) > MAX_TAGS_PER_REQUEST:
        raise FieldInvalid(
            f"The {field} may not have more than {MAX_TAGS_PER_REQUEST} items.", "max"
        )
    names: list[str] = []
    for item in value:
        name = text(field, item)
        if name is not None:
            names.append(name.lower())
    return merge_tags([], names)


def merge_tags(existing: Iterable[str], added: Iterable[str]) -> list[str]:
    """`existing` followed by the new names of `added`, each once."""
    merged = dict.fromkeys(existing)
    merged.update(dict.fromkeys(added))
    return list(merged)


def remove_tags(existing: Iterable[str], removed: Iterable[str]) -> list[str]:
    gone = {name.lower() for name in removed}
    return [name for name in existing if name not in gone]


async def record_tags(
    conn: Connection, location_id: str, contact_id: str, before: list[str], after: list[str]
) -> None:
    """Keep the tag index (contact_tags) and the location's tag names in step."""
    before_set, after_set = set(before), set(after)
    added = [name for name in after if name not in before_set]
    removed = [name for name in before if name not in after_set]
    await repository.apply_contact_tags(conn, location_id, contact_id, added, removed)
