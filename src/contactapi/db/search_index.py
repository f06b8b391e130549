"""SQLite's search indexes (FTS5, one per large location), brought up to date once per write
batch, not once per row.

FTS5 writes a new index segment whenever a savepoint is released, and every request of a
group-commit batch runs in its own savepoint: indexing row by row from the triggers cost ~110 us
per contact insert, about a third of a create. So the triggers only queue the change in
`contacts_fts_pending`, a plain table (rolled back with its savepoint like any write), and the
batch applies the queue just before its COMMIT, in the same transaction: a reader never sees a
contact without its index entry, nor the reverse. Nothing reads an index inside a write
transaction, so the deferral is invisible.

Each queued row names its location by its token (`loc`). A location with an index of its own
(`contacts_fts_locations.own_index`) gets its rows in one statement; a location of up to
`SMALL_LOCATION` contacts has no index (searches scan it), so its rows are dropped; a location
that has just grown past `SMALL_LOCATION` gets its index built from `contacts`, in one
statement, in a thread (the event loop goes on serving reads meanwhile) but still in the
batch's transaction: no reader ever sees a large location without its complete index. Each
own index has a pair index beside it (`db/search/pairs.py`), written from the same queue.
"""

from __future__ import annotations

import sqlite3

from contactapi.db.group_commit import in_thread
from contactapi.db.search import pairs
from contactapi.db.search import sqlite as sqlite_search

PENDING_TABLE = (
    "CREATE TABLE contacts_fts_pending (seq INTEGER PRIMARY KEY, contact_rowid INTEGER NOT NULL,"
    " command TEXT, search_text TEXT NOT NULL, search_phone TEXT NOT NULL, loc TEXT NOT NULL)"
)

# case_sensitive 1: the document and the query are lower-cased in Python already, so the
# index compares exactly what the scan plan's instr() compares.
_OWN_INDEX = (
    "CREATE VIRTUAL TABLE {table} USING fts5(search_text, search_phone, content='',"
    " tokenize='trigram case_sensitive 1')"
)
# FTS5 writes a segment per batch and merges them as it goes: at its default (4 segments of a
# level merged at once) the merges cost most of a create's indexing. Measured at a million
# contacts, batches of 8: 108 us per contact at 4, 50 us at 8 (with the same search times),
# 26 us at 16 (but selective searches up to 2x slower, reading more segments).
AUTOMERGE = 8
_SET_AUTOMERGE = "INSERT INTO {table}({table}, rank) VALUES ('automerge', {segments})"
# In rowid order: FTS5 flushes its in-memory segment whenever a rowid goes backwards. Read
# through a location index, so the build costs what the location holds (the planner would
# rather scan the whole table than sort by rowid).
_LOCATION_CONTACTS = (
    " FROM contacts INDEXED BY ix_contacts_location_id_date_added_id WHERE location_id = ?"
    " ORDER BY rowid"
)
_FILL_OWN_INDEX = (
    "INSERT INTO {table}(rowid, search_text, search_phone)"
    f" SELECT rowid, search_text, search_phone{_LOCATION_CONTACTS}"
)
# The same rows, for the pair index beside it (`db/search/pairs.py`).
FILL_PAIRS = f"SELECT rowid, search_text{_LOCATION_CONTACTS}"
# `command` is NULL for an entry to add and 'delete' for one to take out (a contentless FTS5
# table is told the old values); applied in the order they were queued.
_PENDING = " FROM contacts_fts_pending WHERE loc = ? ORDER BY seq"
_APPLY = (
    "INSERT INTO {table}({table}, rowid, search_text, search_phone)"
    f" SELECT command, contact_rowid, search_text, search_phone{_PENDING}"
)
_PENDING_PAIRS = f"SELECT command, contact_rowid, search_text{_PENDING}"
_CLEAR = "DELETE FROM contacts_fts_pending"


async def apply_pending(raw: sqlite3.Connection) -> None:
    """Apply the queued index changes, inside the caller's write transaction; build the
    index of each location that has grown past `SMALL_LOCATION`."""
    if raw.execute("SELECT 1 FROM contacts_fts_pending LIMIT 1").fetchone() is None:
        return
    grown: list[str] = []
    for (token,) in raw.execute("SELECT DISTINCT loc FROM contacts_fts_pending").fetchall():
        location = raw.execute(
            "SELECT k, location_id, contacts, own_index FROM contacts_fts_locations WHERE k = ?",
            (sqlite_search.location_number(token),),
        ).fetchone()
        if location is None:
            continue  # the location is gone, and its index with it
        k, location_id, contacts, own_index = location
        if own_index:
            index = sqlite_search.own_index_table(k)
            raw.execute(_APPLY.format(table=index), (token,))
            pairs.apply(raw, index, raw.execute(_PENDING_PAIRS, (token,)))
        elif contacts > sqlite_search.SMALL_LOCATION:
            # Built from `contacts`, which holds this batch's changes already.
            grown.append(location_id)
    raw.execute(_CLEAR)
    if grown:
        await in_thread(build_own_indexes, raw, grown)


def build_own_indexes(raw: sqlite3.Connection, location_ids: list[str]) -> None:
    """Creates and fills the index of each location, in the caller's write transaction."""
    for location_id in location_ids:
        build_own_index(raw, location_id)


def build_own_index(raw: sqlite3.Connection, location_id: str) -> None:
    """Creates the location's own index from its contacts, in one statement, and flags it,
    in the caller's write transaction."""
    (k,) = raw.execute(
        "SELECT k FROM contacts_fts_locations WHERE location_id = ?", (location_id,)
    ).fetchone()
    table = sqlite_search.own_index_table(k)
    raw.execute(_OWN_INDEX.format(table=table))
    raw.execute(_SET_AUTOMERGE.format(table=table, segments=AUTOMERGE))
    raw.execute(_FILL_OWN_INDEX.format(table=table), (location_id,))
    pairs.create(raw, table, AUTOMERGE)
    pairs.fill(raw, table, raw.execute(FILL_PAIRS, (location_id,)))
    raw.execute("UPDATE contacts_fts_locations SET own_index = 1 WHERE k = ?", (k,))
