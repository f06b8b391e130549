"""Tag rules: trimmed, lower-cased, deduplicated, empty ones dropped, first-addition order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from contactapi.contacts.repository import ContactRepository
from contactapi.core import now_ms
from contactapi.db.engine import Connection
from contactapi.db.session import Scope
from contactapi.errors import FieldErrors, ValidationFailed, unknown_id
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


TAGS_REQUIRED = ValidationFailed.one("tags", "The tags field is mandatory.", "required")


def parse_tag_body(body: dict[str, Any]) -> list[str]:
    """The `tags` of a tag request: a non-empty list, normalised."""
    raw = body.get("tags")
    if raw is None or raw == []:
        raise TAGS_REQUIRED
    try:
        names = parse_tags("tags", raw)
    except FieldInvalid as exc:
        raise ValidationFailed.one("tags", exc.message, exc.rule) from exc
    if not names:
        raise TAGS_REQUIRED
    return names


class ContactTagService:
    """Adding and removing a contact's tags. The contact row is locked first, so concurrent
    requests on one contact apply one after the other and none loses another's tags."""

    def __init__(self, scope: Scope) -> None:
        self.conn = scope.conn
        self.location_id = scope.location_id
        self.contacts = ContactRepository(scope.conn, scope.location_id)

    async def add(self, contact_id: str, body: dict[str, Any]) -> list[str]:
        return await self._change(contact_id, body, merge_tags)

    async def remove(self, contact_id: str, body: dict[str, Any]) -> list[str]:
        return await self._change(contact_id, body, remove_tags)

    async def _change(
        self,
        contact_id: str,
        body: dict[str, Any],
        combine: Callable[[list[str], list[str]], list[str]],
    ) -> list[str]:
        # Both a bad body and an unknown contact are reported, in one 422.
        errors: FieldErrors = {}
        names: list[str] = []
        try:
            names = parse_tag_body(body)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        contact = await self.contacts.get(contact_id, for_update=True)
        if contact is None:
            errors.update(unknown_id("contactId", "contact").errors)
        if errors or contact is None:
            raise ValidationFailed(errors)
        before: list[str] = orjson.loads(contact["tags"])
        after = combine(before, names)
        if after != before:
            await record_tags(self.conn, self.location_id, contact_id, before, after)
            await self.contacts.update(
                contact_id,
                {
                    "tags": orjson.dumps(after).decode(),
                    "date_updated": max(now_ms(), contact["date_updated"]),
                },
                contact,
            )
        return after

    async def in_use(self) -> list[dict[str, str]]:
        rows = await repository.tags_in_use(self.conn, self.location_id)
        return [{"id": row["id"], "name": row["name"]} for row in rows]
