"""Contact rules and every contact write. Services never commit: the request does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.contacts.document import search_columns
from contactapi.contacts.repository import ContactRepository
from contactapi.contacts.schemas import (
    CONTACT,
    EMAIL_OR_PHONE_REQUIRED,
    ContactInput,
    NewContact,
    contact_to_api,
    prepare_contact,
)
from contactapi.contacts.search import ListQuery, ListResult, list_contacts
from contactapi.contacts.tagging import merge_tags, within_cap
from contactapi.core import now_ms, ordered_id
from contactapi.custom_fields.service import CustomFieldService, ValueChanges
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.scope import Location, LocationScope
from contactapi.webhooks.payloads import contact_changes, contact_event, prepared_create

# A new contact's columns before what the request sent (id, dates and tags are set apart).
NEW_CONTACT_DEFAULTS: dict[str, Any] = dict.fromkeys(CONTACT.columns) | CONTACT.defaults()


def _compose(first: str | None, last: str | None) -> str | None:
    return " ".join(part for part in (first, last) if part) or None


def name_columns(data: ContactInput, current: Row | None) -> dict[str, Any]:
    """`name` alone is split on its first space; first/last compose the full name and win
    over `name` when both kinds are sent."""
    if not (data.name_sent or data.first_sent or data.last_sent):
        return {}
    first = current["first_name"] if current else None
    last = current["last_name"] if current else None
    full = data.name
    if data.name_sent:
        first, _, rest = (data.name or "").partition(" ")
        first, last = first or None, rest.strip() or None
    if data.first_sent:
        first = data.first_name
    if data.last_sent:
        last = data.last_name
    if data.first_sent or data.last_sent or not data.name_sent:
        full = _compose(first, last)
    return {"first_name": first, "last_name": last, "contact_name": full}


def changed_columns(data: ContactInput, current: Row | None) -> dict[str, Any]:
    columns = {**data.columns, **name_columns(data, current)}
    if "email" in columns:
        columns["email_lower"] = columns["email"].lower() if columns["email"] else None
    if columns.get("dnd") is None and "dnd" in columns:
        columns["dnd"] = False
    if columns.get("type") is None and "type" in columns:
        columns["type"] = "lead"
    return columns


def new_contact(data: ContactInput, location_id: str) -> NewContact:
    at = now_ms()
    row = {**NEW_CONTACT_DEFAULTS, **changed_columns(data, None)}
    tags = orjson.dumps(data.tags or []).decode()
    # Ordered ids: each new contact's rows go at the end of the (location, id) indexes.
    row.update(id=ordered_id(), location_id=location_id, tags=tags, date_added=at, date_updated=at)
    row.update(search_columns(row))
    answer = contact_to_api(row, [])
    return NewContact(row, answer, prepared_create(location_id, answer))


def prepare_create(body: dict[str, Any], location: Location) -> v.Checked[ContactInput]:
    """`prepare_contact`, and the contact a create would insert (`NewContact`)."""
    prepared = prepare_contact(body, location)
    if not prepared.errors:
        prepared.value.new = new_contact(prepared.value, location.id)
    return prepared


class ContactService:
    def __init__(self, scope: LocationScope) -> None:
        self.scope = scope
        self.repo = ContactRepository(scope.conn, scope.location_id)

    @cached_property
    def custom_fields(self) -> CustomFieldService:
        # Made when first needed: a contact read does not.
        return CustomFieldService(self.scope)

    async def parse(self, prepared: v.Checked[ContactInput]) -> tuple[ContactInput, ValueChanges]:
        """The sent fields (validated before the transaction) and custom field values, all
        validated before anything is written; every failing field is reported in one 422."""
        data = prepared.value
        errors = v.Errors()
        errors.update(prepared.errors)
        custom_values: ValueChanges = {}
        if data.custom_fields:
            try:
                custom_values = await self.custom_fields.resolve_values(data.custom_fields)
            except ValidationFailed as exc:
                errors.update(exc.errors)
        errors.raise_any()
        return data, custom_values

    async def shape(self, row: Mapping[str, Any]) -> dict[str, Any]:
        custom = await self.repo.custom_values([row["id"]])
        return contact_to_api(row, custom[row["id"]])

    async def require(self, contact_id: str, param: str = "id", *, lock: bool = False) -> Row:
        row = await self.repo.get(contact_id, for_update=lock)
        if row is None:
            raise unknown_id(param, "contact")
        return row

    async def get(self, contact_id: str) -> dict[str, Any]:
        row = await self.repo.get_with_custom_values(contact_id)
        if row is None:
            raise unknown_id("id", "contact")
        return contact_to_api(row, orjson.loads(row["custom_values"]))

    async def upsert(
        self, prepared: v.Checked[ContactInput], *, unmatched: bool = False
    ) -> tuple[dict[str, Any], bool]:
        """Create, or update the contact with the same email (else phone) unless the location
        allows duplicates. Returns the contact and whether it is new. `unmatched`: the caller
        found, in this transaction and while no other writer could add one (SQLite's write
        lock), that no contact has the email or the phone: none is looked for."""
        data, custom_values = await self.parse(prepared)
        email, phone = data.columns.get("email"), data.columns.get("phone")
        if not email and not phone:
            raise EMAIL_OR_PHONE_REQUIRED
        new = data.new or new_contact(data, self.scope.location_id)
        tags = data.tags or []
        if self.scope.location.allow_duplicate_contacts or unmatched:
            await self.repo.insert(new.row, tags)
        else:
            email_lower = email.lower() if email else None
            await self.repo.lock_identity(email_lower, phone)
            existing = await self.repo.insert_unless_duplicate(new.row, tags, email_lower, phone)
            if existing is not None:
                changed = changed_columns(data, existing)
                return await self._apply(
                    existing, changed, data, custom_values, replace_tags=False
                ), False
        return await self._created(new, custom_values), True

    async def _created(self, new: NewContact, custom_values: ValueChanges) -> dict[str, Any]:
        """The answer for a contact just inserted, with its custom values and its event."""
        contact, event = new.answer, new.event
        if custom_values:
            await self.custom_fields.save_values(new.row["id"], custom_values)
            contact, event = await self.shape(new.row), None  # its event has them too
        await contact_changes(self.scope, None, contact, event)
        return contact

    async def _apply(
        self,
        current: Row,
        values: dict[str, Any],
        data: ContactInput,
        custom_values: ValueChanges,
        *,
        replace_tags: bool,
    ) -> dict[str, Any]:
        """Writes `values` (the changed columns), the sent tags and custom values."""
        old_tags: list[str] = orjson.loads(current["tags"])
        if data.tags is not None:
            new_tags = data.tags if replace_tags else within_cap(merge_tags(old_tags, data.tags))
            if new_tags != old_tags:
                values["tags"] = orjson.dumps(new_tags).decode()
                await self.repo.tags.change(current["id"], old_tags, new_tags)
        values["date_updated"] = max(now_ms(), current["date_updated"])
        await self.repo.update(current["id"], values, current)
        if custom_values:
            await self.custom_fields.save_values(current["id"], custom_values)
        contact = await self.shape({**dict(current), **values})
        before = {"tags": old_tags, "dnd": bool(current["dnd"])}
        await contact_changes(self.scope, before, contact)
        return contact

    async def update(self, contact_id: str, prepared: v.Checked[ContactInput]) -> dict[str, Any]:
        """PUT: the sent fields change, `null` clears, sent tags replace the list."""
        await self.require(contact_id)  # an unknown id is answered first
        data, custom_values = await self.parse(prepared)
        check_duplicates = not self.scope.location.allow_duplicate_contacts
        if check_duplicates:
            # The sent email/phone are locked before the row, in the order upserts take
            # them: the other order deadlocks against an upsert of the same email.
            sent_email = data.columns.get("email")
            await self.repo.lock_identity(
                sent_email.lower() if sent_email else None, data.columns.get("phone")
            )
        # Read again under its row lock: a concurrent writer may have changed it meanwhile.
        current = await self.require(contact_id, lock=True)
        columns = changed_columns(data, current)
        email_lower = columns.get("email_lower", current["email_lower"])
        phone = columns.get("phone", current["phone"])
        if not email_lower and not phone:
            raise EMAIL_OR_PHONE_REQUIRED
        if check_duplicates:
            errors = v.Errors()
            if (
                email_lower
                and email_lower != current["email_lower"]
                and await self.repo.other_with("email_lower", email_lower, contact_id)
            ):
                errors.add("email", "The email has already been taken.", "duplicate")
            if (
                phone
                and phone != current["phone"]
                and await self.repo.other_with("phone", phone, contact_id)
            ):
                errors.add("phone", "The phone has already been taken.", "duplicate")
            errors.raise_any()
        return await self._apply(current, columns, data, custom_values, replace_tags=True)

    async def change_tags(
        self,
        contact_id: str,
        names: list[str],
        combine: Callable[[list[str], list[str]], list[str]],
        errors: v.Errors,
    ) -> list[str]:
        """The contact's tags become `combine(its tags, names)`; answers them. The row is
        locked first, so concurrent changes of one contact apply one after the other and none
        loses another's tags. `errors`: the request's failures so far, reported with an
        unknown contact in one 422."""
        contact = await self.repo.get(contact_id, for_update=True)
        if contact is None:
            errors.update(unknown_id("contactId", "contact").errors)
        errors.raise_any()
        assert contact is not None
        before: list[str] = orjson.loads(contact["tags"])
        after = within_cap(combine(before, names))
        if after != before:
            await self.repo.tags.change(contact_id, before, after)
            await self.repo.update(
                contact_id,
                {
                    "tags": orjson.dumps(after).decode(),
                    "date_updated": max(now_ms(), contact["date_updated"]),
                },
                contact,
            )
            await contact_event(self.scope, "ContactTagUpdate", await self.get(contact_id))
        return after

    async def retag_everywhere(self, old: str, new: str | None) -> list[str]:
        """Every contact carrying the tag `old` carries `new` instead (where it stood), or, when
        `new` is None, no longer carries it; then the tag rows follow. Returns how many contacts
        changed (their ids). One transaction, however many contacts: none is seen half
        renamed."""
        carriers = await self.repo.carrying(old)
        now = now_ms()
        rewritten = []
        for row in carriers:
            tags: list[str] = orjson.loads(row["tags"])
            changed = [new if name == old else name for name in tags] if new else tags
            changed = [name for name in dict.fromkeys(changed) if name != old]
            values = {"tags": orjson.dumps(changed).decode()}
            values.update(search_columns({**row, **values}))
            rewritten.append({"id": row["id"], "date_updated": max(now, row["date_updated"]),
                              **values})  # fmt: skip
        await self.repo.rewrite(rewritten)
        return [row["id"] for row in carriers]

    async def delete(self, contact_id: str) -> None:
        """Its tags, memberships, enrollments, appointments and values go with it (cascade)."""
        row = await self.repo.get_with_custom_values(contact_id)
        if row is None or not await self.repo.delete(contact_id):
            raise unknown_id("id", "contact")
        contact = contact_to_api(row, orjson.loads(row["custom_values"]))
        await contact_event(self.scope, "ContactDelete", contact)

    async def lookup(self, email: str | None, phone: str | None) -> list[dict[str, Any]]:
        errors = v.Errors()
        country = self.scope.location.country
        email_value = errors.read("email", lambda key, value: v.text(key, value, 320), email)
        phone_value = errors.read(
            "phone", lambda key, value: v.phone(key, value, country, stored=False), phone
        )
        errors.raise_any()
        if not email_value and not phone_value:
            raise EMAIL_OR_PHONE_REQUIRED
        rows: list[Row] = []
        if email_value:
            rows = await self.repo.by_email(v.email_key(email_value))
        if not rows and phone_value:
            rows = await self.repo.by_phone(phone_value)
        custom = await self.repo.custom_values(row["id"] for row in rows)
        return [contact_to_api(row, custom[row["id"]]) for row in rows]

    async def list(self, query: ListQuery) -> tuple[list[dict[str, Any]], ListResult]:
        """A page of the location's contacts matching `query`, and the counts for its meta."""
        result = await list_contacts(self.scope.conn, self.scope.location_id, query)
        custom = await self.repo.custom_values(row["id"] for row in result.rows)
        return [contact_to_api(row, custom[row["id"]]) for row in result.rows], result
