"""contact search: an FTS5 index of its own for each large location (SQLite)

The shared index `contacts_fts` answered `loc AND term`, and such a search cost more when the
term existed in another location: its timing told what other locations hold. Now a location
of up to 20,000 contacts has no index (searches scan it, as they did already) and a larger one
has a table of its own, `contacts_fts_l{k}`, flagged by `contacts_fts_locations.own_index`;
the shared table goes. Later locations get theirs in the write batch that grows them past the
threshold (db/search_index.py). The triggers and the pending queue of 0002 stay as they are:
the queue's `loc` token names the location whose index a row goes to.

A later migration that recreates the contacts table (batch "move and copy") renumbers rowids
and drops the triggers: it must recreate both and refill every `contacts_fts_l{k}`.

PostgreSQL: nothing (pg_trgm indexes filter by location themselves).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen copies of what this migration needs from the application as it was when the migration
# was written (contactapi/db/search/sqlite.py, contactapi/db/search_index.py). Do not edit them.
_SMALL_LOCATION = 20_000
_OWN_INDEX = (
    "CREATE VIRTUAL TABLE contacts_fts_l{k} USING fts5(search_text, search_phone, content='',"
    " tokenize='trigram case_sensitive 1')"
)
_FILL_OWN_INDEX = (
    "INSERT INTO contacts_fts_l{k}(rowid, search_text, search_phone)"
    " SELECT rowid, search_text, search_phone FROM contacts"
    " INDEXED BY ix_contacts_location_id_date_added_id WHERE location_id = ? ORDER BY rowid"
)
# Migration 0002's shared index, for the downgrade.
_TOKEN = (
    "char(19968 + (l.k / 400000000) % 20000, 19968 + (l.k / 20000) % 20000, 19968 + l.k % 20000)"
)
_SHARED_INDEX = (
    "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, search_phone, loc,"
    " content='', tokenize='trigram case_sensitive 1')"
)
_FILL_SHARED_INDEX = (
    "INSERT INTO contacts_fts(rowid, search_text, search_phone, loc)"
    f" SELECT c.rowid, c.search_text, c.search_phone, {_TOKEN} FROM contacts c"
    " JOIN contacts_fts_locations l ON l.location_id = c.location_id ORDER BY c.rowid"
)


def _locations(where: str) -> list[tuple[int, str]]:
    rows = op.get_bind().exec_driver_sql(
        f"SELECT k, location_id FROM contacts_fts_locations WHERE {where} ORDER BY k"
    )
    return [(int(k), str(location_id)) for k, location_id in rows]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("ALTER TABLE contacts_fts_locations ADD COLUMN own_index BOOLEAN NOT NULL DEFAULT 0")
    for k, location_id in _locations(f"contacts > {_SMALL_LOCATION}"):
        op.execute(_OWN_INDEX.format(k=k))
        op.get_bind().exec_driver_sql(_FILL_OWN_INDEX.format(k=k), (location_id,))
        op.execute(f"UPDATE contacts_fts_locations SET own_index = 1 WHERE k = {k}")
    op.execute("DROP TABLE contacts_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(_SHARED_INDEX)
    op.execute(_FILL_SHARED_INDEX)
    for k, _ in _locations("own_index"):
        op.execute(f"DROP TABLE contacts_fts_l{k}")
    op.execute("ALTER TABLE contacts_fts_locations DROP COLUMN own_index")
