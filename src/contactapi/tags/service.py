"""The location's tags, and the tag routes of a contact (whose tags `ContactService` writes)."""

from __future__ import annotations

from typing import Any

from contactapi.contacts.service import ContactService
from contactapi.contacts.tagging import merge_tags, parse_tags, remove_tags
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
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

    async def all(self, page: Page) -> list[dict[str, str]]:
        rows = await repository.list_tags(
            self.conn, self.location_id, page.limit, page.start_after_id
        )
        if rows is None:
            raise unknown_id("startAfterId", "tag")
        return [{"id": row["id"], "name": row["name"]} for row in rows]


def parse_tag_name(body: dict[str, Any], location: Location) -> Checked[str]:
    """`{"name"}` of POST and PUT /v1/tags/, under section 2's tag rules."""

    def read(errors: Errors) -> str:
        names: list[str] = errors.read(
            "name", lambda key, raw: parse_tags(key, [raw]), body.get("name"), required=True
        )
        if names == [] and "name" not in errors.fields:
            errors.add("name", "The name field is mandatory.", "required")
        return names[0] if names else ""

    return checked(read)


class LocationTagService:
    """The location's tags as a resource: a rename or a delete reaches every contact carrying
    the tag, in the same transaction, and the search index follows."""

    def __init__(self, scope: LocationScope) -> None:
        self.conn = scope.conn
        self.location_id = scope.location_id
        self.contacts = ContactService(scope)

    async def require(self, tag_id: str, *, lock: bool = False) -> Row:
        row = await repository.get_tag(self.conn, self.location_id, tag_id, lock=lock)
        if row is None:
            raise unknown_id("tagId", "tag")
        return row

    async def get(self, tag_id: str) -> dict[str, str]:
        row = await self.require(tag_id)
        return {"id": row["id"], "name": row["name"]}

    async def create(self, payload: Checked[str]) -> dict[str, str]:
        """A name the location already has answers that tag."""
        name = payload.get()
        await self.contacts.repo.tags.hold_names(name)
        tag_id = await self.contacts.repo.tags.create_tag(name)
        return await self.get(tag_id)

    async def rename(self, tag_id: str, payload: Checked[str]) -> dict[str, str]:
        tag = await self.require(tag_id)  # an unknown id is answered before the body's failures
        new = payload.get()
        await self.contacts.repo.tags.hold_names(tag["name"], new)
        tag = await self.require(tag_id, lock=True)  # as it is now that its names are held
        if new == tag["name"]:
            return await self.get(tag_id)
        other = await repository.shown_by_name(self.conn, self.location_id, new)
        if other is not None:
            raise ValidationFailed.one("name", f"A tag named {new} already exists.", "duplicate")
        carriers = await self.contacts.retag_everywhere(tag["name"], new)
        await self.contacts.repo.tags.rename_tag(tag_id, tag["name"], new, carriers)
        return await self.get(tag_id)

    async def delete(self, tag_id: str) -> None:
        tag = await self.require(tag_id)
        await self.contacts.repo.tags.hold_names(tag["name"])
        tag = await self.require(tag_id, lock=True)
        carriers = await self.contacts.retag_everywhere(tag["name"], None)
        await self.contacts.repo.tags.delete_tag(tag_id, tag["name"], carriers)
