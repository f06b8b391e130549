"""SQLite's search index (FTS5), brought up to date once per write batch, not once per row.

FTS5 writes a new index segment whenever a savepoint is released, and every request of a
group-commit batch runs in its own savepoint: indexing row by row from the triggers cost ~110 us
per contact insert, about a third of a create. So the triggers only queue the change in
`contacts_fts_pending`, a plain table (rolled back with its savepoint like any write), and the
batch applies the queue in one statement just before its COMMIT, in the same transaction: a
reader never sees a contact without its index entry, nor the reverse. Nothing reads the index
inside a write transaction, so the deferral is invisible.
"""

from __future__ import annotations

import sqlite3

PENDING_TABLE = (
    "CREATE TABLE contacts_fts_pending (seq INTEGER PRIMARY KEY, contact_rowid INTEGER NOT NULL,"
    " command TEXT, search_text TEXT NOT NULL, search_phone TEXT NOT NULL, loc TEXT NOT NULL)"
)

# `command` is NULL for an entry to add and 'delete' for one to take out (a contentless FTS5
# table is told the old values); applied in the order they were queued.
_APPLY = (
    "INSERT INTO contacts_fts(contacts_fts, rowid, search_text, search_phone, loc)"
    " SELECT command, contact_rowid, search_text, search_phone, loc"
    " FROM contacts_fts_pending ORDER BY seq"
)
_CLEAR = "DELETE FROM contacts_fts_pending"


async def apply_pending(raw: sqlite3.Connection) -> None:
    """Apply the queued index changes, inside the caller's write transaction."""
    if raw.execute("SELECT 1 FROM contacts_fts_pending LIMIT 1").fetchone() is not None:
        raw.execute(_APPLY)
        raw.execute(_CLEAR)
