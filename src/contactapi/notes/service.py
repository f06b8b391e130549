"""Note rules and writes: a note belongs to a contact of the location; its `userId` names a
user of the location."""

from __future__ import annotations

from typing import Any

from contactapi.contacts.children import ContactChildService
from contactapi.core import new_id, now_ms
from contactapi.limits import MAX_NOTES_PER_CONTACT, Page
from contactapi.notes.repository import NoteRepository
from contactapi.notes.schemas import NoteInput, note_to_api
from contactapi.scope import LocationScope
from contactapi.validation import Checked, Errors
from contactapi.webhooks.payloads import note_event


class NoteService(ContactChildService):
    param = "noteId"
    kind = "note"

    def __init__(self, scope: LocationScope) -> None:
        super().__init__(scope, NoteRepository(scope.conn, scope.location_id))

    async def list(self, contact_id: str, page: Page) -> list[dict[str, Any]]:
        return [note_to_api(row) for row in await self.page(contact_id, page)]

    async def get(self, contact_id: str, note_id: str) -> dict[str, Any]:
        note = await self.require(contact_id, note_id, Errors())
        assert note is not None
        return note_to_api(note)

    async def create(self, contact_id: str, payload: Checked[NoteInput]) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        await self.require(contact_id, None, errors, hold=True)
        await self.check_user(payload.value.user_id, "userId", errors)
        errors.raise_any()
        data = payload.value
        await self.require_room(contact_id, MAX_NOTES_PER_CONTACT, "body")
        note_id = new_id()
        await self.repo.insert({"id": note_id, "contact_id": contact_id, "body": data.body,
                                "user_id": data.user_id, "created_at": now_ms()})  # fmt: skip
        note = await self.get(contact_id, note_id)
        await note_event(self.scope, "NoteCreate", contact_id, note)
        return note

    async def update(
        self, contact_id: str, note_id: str, payload: Checked[NoteInput]
    ) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        await self.require(contact_id, note_id, errors)
        await self.check_user(payload.value.user_id, "userId", errors)
        errors.raise_any()
        data = payload.value
        await self.repo.update(note_id, {"body": data.body, "user_id": data.user_id})
        note = await self.get(contact_id, note_id)
        await note_event(self.scope, "NoteUpdate", contact_id, note)
        return note

    async def delete(self, contact_id: str, note_id: str) -> None:
        note = await self.get(contact_id, note_id)
        await self.repo.delete(note_id)
        await note_event(self.scope, "NoteDelete", contact_id, note)
