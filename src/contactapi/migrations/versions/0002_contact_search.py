"""contact search: the search document and its trigram index

SQLite: an FTS5 table with the trigram tokenizer over the contacts table (external content,
keyed by the contacts rowid), kept in step by triggers. A later migration that recreates the
contacts table (batch "move and copy") renumbers rowids and drops the triggers: it must
recreate the triggers below and run `INSERT INTO contacts_fts(contacts_fts) VALUES('rebuild')`.

PostgreSQL: pg_trgm GIN indexes on the two search columns.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contactapi.contacts.document import search_columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    # case_sensitive 1: the document and the query are lower-cased in Python already, so the
    # index compares exactly what the scan plan's instr() compares.
    "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, search_phone,"
    " content='contacts', content_rowid='rowid', tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN"
    " INSERT INTO contacts_fts(rowid, search_text, search_phone)"
    " VALUES (new.rowid, new.search_text, new.search_phone); END",
    "CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN"
    " INSERT INTO contacts_fts(contacts_fts, rowid, search_text, search_phone)"
    " VALUES ('delete', old.rowid, old.search_text, old.search_phone); END",
    "CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text, search_phone ON contacts"
    " WHEN old.search_text IS NOT new.search_text OR old.search_phone IS NOT new.search_phone"
    " BEGIN"
    " INSERT INTO contacts_fts(contacts_fts, rowid, search_text, search_phone)"
    " VALUES ('delete', old.rowid, old.search_text, old.search_phone);"
    " INSERT INTO contacts_fts(rowid, search_text, search_phone)"
    " VALUES (new.rowid, new.search_text, new.search_phone); END",
]

POSTGRES_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_contacts_search_text ON contacts USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX ix_contacts_search_phone ON contacts USING gin (search_phone gin_trgm_ops)",
]


def _backfill(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT location_id, id, contact_name, first_name, last_name, email, company_name,"
            " tags, phone FROM contacts"
        )
    ).mappings()
    updates = [
        {"location_id": row["location_id"], "id": row["id"], **search_columns(dict(row))}
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
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")
    else:
        for statement in POSTGRES_INDEXES:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("contacts_fts_insert", "contacts_fts_delete", "contacts_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS contacts_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_contacts_search_text")
        op.execute("DROP INDEX IF EXISTS ix_contacts_search_phone")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("search_phone")
        batch_op.drop_column("search_text")
