"""What the records that belong to one contact (notes, tasks) share: both path ids checked
together, a page of the contact's records, a cap per contact, and user references."""

from __future__ import annotations

from typing import ClassVar

from contactapi.contacts.repository import ContactRepository
from contactapi.db.engine import Row
from contactapi.db.rows import ContactChildRows
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import Page
from contactapi.scope import LocationScope
from contactapi.users.repository import is_user_of
from contactapi.validation import Errors, require_found


class ContactChildService:
    # The path parameter naming one record, and the kind of record, for 422 messages.
    param: ClassVar[str]
    kind: ClassVar[str]

    def __init__(self, scope: LocationScope, repo: ContactChildRows) -> None:
        self.scope = scope
        self.repo = repo
        self.contacts = ContactRepository(scope.conn, scope.location_id)

    async def require(
        self, contact_id: str, child_id: str | None, errors: Errors, *, hold: bool = False
    ) -> Row | None:
        """The record (when `child_id`), once both path ids name records of the location and
        the record is the contact's; every failure so far (`errors`) is raised in one 422.
        `hold`: the contact can't be deleted before this transaction ends."""
        contact_found = await self.contacts.exists(contact_id, hold=hold)
        child = await self.repo.get(child_id) if child_id is not None else None
        child_found = child_id is None or (child is not None and child["contact_id"] == contact_id)
        require_found(errors, (contact_found, "contactId", "contact"),
                      (child_found, self.param, self.kind))  # fmt: skip
        return child

    async def page(self, contact_id: str, page: Page) -> list[Row]:
        await self.require(contact_id, None, Errors())
        after = None
        if page.start_after_id is not None:
            after = await self.repo.get(page.start_after_id)
            if after is None or after["contact_id"] != contact_id:
                raise unknown_id("startAfterId", self.kind)
        return await self.repo.of_contact(contact_id, page.limit, after)

    async def check_user(self, user_id: str | None, key: str, errors: Errors) -> None:
        """`user_id`, when given, must name a user of the location."""
        if user_id is not None and not await is_user_of(
            self.scope.conn, self.scope.location_id, user_id
        ):
            errors.add(key, "The user id is invalid.", "invalid")

    async def require_room(self, contact_id: str, cap: int, key: str) -> None:
        if await self.repo.count_of_contact(contact_id, cap) >= cap:
            raise ValidationFailed.one(
                key, f"A contact may not have more than {cap:,} {self.kind}s.", "max"
            )
