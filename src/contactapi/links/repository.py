"""Trigger link queries, bound to one location."""

from __future__ import annotations

from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "name", "redirect_to", "created_at")
ORDER = ("created_at", "id")


class LinkRepository(LocationRows):
    table = "trigger_links"
    columns = COLUMNS
    updatable = frozenset({"name", "redirect_to"})
