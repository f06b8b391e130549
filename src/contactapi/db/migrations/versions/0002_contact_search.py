"""contact search: the search document and its trigram index

SQLite: a contentless FTS5 table with the trigram tokenizer, keyed by the contacts rowid and
kept in step by triggers, through a queue applied once per write batch (db/search_index.py).
An FTS5 index cannot filter by anything but what it matches, so each
row also indexes its location as one token (`loc`, three CJK characters numbered by
`contacts_fts_locations.k`): a search is `loc AND term`, answered and counted inside the index.
`contacts_fts_locations.contacts` counts each location's contacts (the unfiltered total).
A later migration that recreates the contacts table (batch "move and copy") renumbers rowids
and drops the triggers: it must recreate both and refill contacts_fts.

PostgreSQL: pg_trgm GIN indexes on the two search columns, and per-location contact counts
(count(*) of a million-contact location takes a parallel scan of its index) kept by statement
triggers in `contacts_fts_locations`, in 16 shards per location so concurrent creates in one
location seldom wait for each other's row lock.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies of what this migration needs from the application as it was when the migration
# was written (contactapi/contacts/document.py and contactapi/db/search_index.py): a migration
# must keep producing the same schema and data when that code changes later. Do not edit them.

_PENDING_TABLE = (
    "CREATE TABLE contacts_fts_pending (seq INTEGER PRIMARY KEY, contact_rowid INTEGER NOT NULL,"
    " command TEXT, search_text TEXT NOT NULL, search_phone TEXT NOT NULL, loc TEXT NOT NULL)"
)

_FIELD_SEPARATOR = "\x1f"
_DIGITS = frozenset("0123456789")


def _search_text(row: Mapping[str, Any]) -> str:
    parts: list[str] = []
    text_so_far = ""
    tags = row.get("tags") or "[]"
    tag_list: list[str] = orjson.loads(tags) if isinstance(tags, str | bytes) else list(tags)
    for value in (
        row.get("contact_name"),
        row.get("first_name"),
        row.get("last_name"),
        row.get("email"),
        row.get("company_name"),
        *tag_list,
    ):
        if not value:
            continue
        lowered = str(value).lower()
        # First and last name usually sit inside the full name already: index them once.
        if lowered in text_so_far:
            continue
        parts.append(lowered)
        text_so_far = _FIELD_SEPARATOR.join(parts)
    return text_so_far


def _phone_digits(phone: str | None) -> str:
    return "".join(ch for ch in phone if ch in _DIGITS) if phone else ""


def _search_columns(row: Mapping[str, Any]) -> dict[str, str]:
    """`search_text` and `search_phone` for a contact's column values."""
    return {"search_text": _search_text(row), "search_phone": _phone_digits(row.get("phone"))}


# The location's token, from its number k (contacts/search.py computes the same in Python).
_TOKEN = (
    "char(19968 + (l.k / 400000000) % 20000, 19968 + (l.k / 20000) % 20000, 19968 + l.k % 20000)"
)
_ROW = "{row}.rowid, {row}.search_text, {row}.search_phone, " + _TOKEN
# The triggers queue index changes; each write batch applies them before its COMMIT
# (db/search_index.py).
_INDEX_NEW = (
    "INSERT INTO contacts_fts_pending(command, contact_rowid, search_text, search_phone, loc)"
    f" SELECT NULL, {_ROW.format(row='new')} FROM contacts_fts_locations l"
    " WHERE l.location_id = new.location_id;"
)
_UNINDEX_OLD = (
    "INSERT INTO contacts_fts_pending(command, contact_rowid, search_text, search_phone, loc)"
    f" SELECT 'delete', {_ROW.format(row='old')} FROM contacts_fts_locations l"
    " WHERE l.location_id = old.location_id;"
)

SQLITE_FTS = [
    "CREATE TABLE contacts_fts_locations (k INTEGER PRIMARY KEY,"
    " location_id VARCHAR(20) NOT NULL UNIQUE, contacts INTEGER NOT NULL DEFAULT 0)",
    # case_sensitive 1: the document and the query are lower-cased in Python already, so the
    # index compares exactly what the scan plan's instr() compares.
    "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, search_phone, loc,"
    " content='', tokenize='trigram case_sensitive 1')",
    _PENDING_TABLE,
    "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN"
    " INSERT INTO contacts_fts_locations(location_id, contacts) VALUES (new.location_id, 1)"
    " ON CONFLICT(location_id) DO UPDATE SET contacts = contacts + 1;"
    f" {_INDEX_NEW} END",
    "CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN"
    f" {_UNINDEX_OLD}"
    " UPDATE contacts_fts_locations SET contacts = contacts - 1"
    " WHERE location_id = old.location_id; END",
    "CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text, search_phone ON contacts"
    " WHEN old.search_text IS NOT new.search_text OR old.search_phone IS NOT new.search_phone"
    f" BEGIN {_UNINDEX_OLD} {_INDEX_NEW} END",
]
SQLITE_FILL = [
    "INSERT INTO contacts_fts_locations(location_id, contacts)"
    " SELECT location_id, count(*) FROM contacts GROUP BY location_id",
    "INSERT INTO contacts_fts(rowid, search_text, search_phone, loc)"
    f" SELECT {_ROW.format(row='c')} FROM contacts c"
    " JOIN contacts_fts_locations l ON l.location_id = c.location_id",
]

_PG_COUNT_FUNCTION = """
CREATE FUNCTION contacts_fts_count_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contacts_fts_locations AS l (location_id, shard, contacts)
    SELECT location_id, pg_backend_pid() % 16, {sign} count(*) FROM {rows} GROUP BY location_id
    ON CONFLICT (location_id, shard) DO UPDATE SET contacts = l.contacts + excluded.contacts;
    RETURN NULL;
END $$
"""

POSTGRES_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_contacts_search_text ON contacts USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX ix_contacts_search_phone ON contacts USING gin (search_phone gin_trgm_ops)",
    "CREATE TABLE contacts_fts_locations (location_id VARCHAR(20) NOT NULL,"
    " shard SMALLINT NOT NULL, contacts BIGINT NOT NULL, PRIMARY KEY (location_id, shard))",
    _PG_COUNT_FUNCTION.format(name="insert", sign="", rows="new_rows"),
    _PG_COUNT_FUNCTION.format(name="delete", sign="-", rows="old_rows"),
    "CREATE TRIGGER contacts_fts_count_insert AFTER INSERT ON contacts"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_fts_count_insert()",
    "CREATE TRIGGER contacts_fts_count_delete AFTER DELETE ON contacts"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_fts_count_delete()",
    "INSERT INTO contacts_fts_locations (location_id, shard, contacts)"
    " SELECT location_id, 0, count(*) FROM contacts GROUP BY location_id",
]


def _backfill(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT location_id, id, contact_name, first_name, last_name, email, company_name,"
            " tags, phone FROM contacts"
        )
    ).mappings()
    updates = [
        {"location_id": row["location_id"], "id": row["id"], **_search_columns(dict(row))}
        for row in rows
    ]
    if updates:
        bind.execute(
            sa.text(
                "UPDATE contacts SET search_text = :search_text, search_phone = :search_phone"
                " WHERE location_id = :location_id AND id = :id"
            ),
            updates,
        )


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("search_phone", sa.Text(), server_default="", nullable=False))
    _backfill(bind)
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS + SQLITE_FILL:
            op.execute(statement)
    else:
        for statement in POSTGRES_INDEXES:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("contacts_fts_insert", "contacts_fts_delete", "contacts_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS contacts_fts")
        op.execute("DROP TABLE IF EXISTS contacts_fts_pending")
        op.execute("DROP TABLE IF EXISTS contacts_fts_locations")
    else:
        op.execute("DROP TRIGGER IF EXISTS contacts_fts_count_insert ON contacts")
        op.execute("DROP TRIGGER IF EXISTS contacts_fts_count_delete ON contacts")
        op.execute("DROP FUNCTION IF EXISTS contacts_fts_count_insert()")
        op.execute("DROP FUNCTION IF EXISTS contacts_fts_count_delete()")
        op.execute("DROP TABLE IF EXISTS contacts_fts_locations")
        op.execute("DROP INDEX IF EXISTS ix_contacts_search_text")
        op.execute("DROP INDEX IF EXISTS ix_contacts_search_phone")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("search_phone")
        batch_op.drop_column("search_text")
