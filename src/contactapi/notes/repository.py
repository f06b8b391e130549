"""Note queries, bound to one location; a contact's notes, newest first."""

from __future__ import annotations

from contactapi.db.rows import ContactChildRows


class NoteRepository(ContactChildRows):
    table = "notes"
    columns = ("location_id", "id", "contact_id", "body", "user_id", "created_at")
    updatable = frozenset({"body", "user_id"})
    order = "created_at"
    descending = True
