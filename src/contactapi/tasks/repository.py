"""Task queries, bound to one location; a contact's tasks, soonest due first."""

from __future__ import annotations

from contactapi.db.rows import ContactChildRows


class TaskRepository(ContactChildRows):
    table = "tasks"
    columns = ("location_id", "id", "contact_id", "title", "description", "due_date", "status",
               "assigned_to", "created_at")  # fmt: skip
    updatable = frozenset({"title", "description", "due_date", "status", "assigned_to"})
    order = "due_date"
