"""contact search: each location's own FTS5 index merges its segments 8 at a time, not 4

FTS5 writes a segment per write batch and merges them as it goes; at its default (automerge
4) the merges cost most of a create's indexing at a million contacts (108 us per contact in
batches of 8, against 50 us at 8, with the same search times). New indexes get the setting
when built (db/search_index.py); this sets it on the existing ones. The setting lives in the
index's own config table, so it survives as long as the index.

PostgreSQL: nothing (pg_trgm indexes).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _set_automerge(segments: int) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    rows = op.get_bind().exec_driver_sql("SELECT k FROM contacts_fts_locations WHERE own_index")
    for (k,) in rows.fetchall():
        table = f"contacts_fts_l{int(k)}"
        op.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', {segments})")


def upgrade() -> None:
    _set_automerge(8)


def downgrade() -> None:
    _set_automerge(4)
