"""The location's tags, and the tag routes of a contact (whose tags `ContactService` writes)."""

from __future__ import annotations

from typing import Any

from contactapi.contacts.service import ContactService
from contactapi.contacts.tagging import merge_tags, parse_tags, remove_tags
from contactapi.errors import unknown_id
from contactapi.limits import Page
from contactapi.scope import Location, LocationScope
from contactapi.tags import repository
from contactapi.validation import Checked, Errors, checked


def _read_tag_body(body: dict[str, Any], errors: Errors) -> list[str]:
    """The `tags` of a tag request: a non-empty list, normalised."""
    raw = body.get("tags")
    names: list[str] = []
    if raw is not None and raw != []:
        names = errors.read("tags", parse_tags, raw) or []
    if "tags" not in errors.fields and not names:
        errors.add("tags", "The tags field is mandatory.", "required")
    return names


def parse_tag_body(body: dict[str, Any], location: Location) -> Checked[list[str]]:
    return checked(lambda errors: _read_tag_body(body, errors))


class ContactTagService:
    def __init__(self, scope: LocationScope) -> None:
        self.conn = scope.conn
        self.location_id = scope.location_id
        self.contacts = ContactService(scope)

    async def add(self, contact_id: str, names: Checked[list[str]]) -> list[str]:
        return await self._change(contact_id, names, add=True)

    async def remove(self, contact_id: str, names: Checked[list[str]]) -> list[str]:
        return await self._change(contact_id, names, add=False)

    async def _change(self, contact_id: str, names: Checked[list[str]], *, add: bool) -> list[str]:
        # Both a bad body and an unknown contact are reported, in one 422.
        errors = Errors()
        errors.update(names.errors)
        combine = merge_tags if add else remove_tags
        return await self.contacts.change_tags(contact_id, names.value, combine, errors)

    async def in_use(self, page: Page) -> list[dict[str, str]]:
        rows = await repository.tags_in_use(
            self.conn, self.location_id, page.limit, page.start_after_id
        )
        if rows is None:
            raise unknown_id("startAfterId", "tag")
        return [{"id": row["id"], "name": row["name"]} for row in rows]
