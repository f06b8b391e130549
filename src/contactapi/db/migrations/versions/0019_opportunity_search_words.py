"""opportunity search on SQLite: a word index beside each location's own trigram index

A query of one or two words in a pipeline, with its status and stage filters, is counted from
tokens (`db/search/opportunity_words.py`) instead of the trigram index. The index holds the
status, stage and pipeline too, so a change of any of them now queues the opportunity for
re-indexing (a trigger beside 0012's); the trigram index keeps them beside the documents
(unindexed), since the word index keeps no copy of its own. This rebuilds the trigram index of
every location that has one, with the word index beside it (about 2 minutes per million
opportunities). Downgraded, the trigram indexes keep their extra columns: 0012's code fills
them with nothing, and 0019 builds them again.

PostgreSQL: nothing (its word postings, 0015, hold the status and stage already).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlite3

from alembic import op

from contactapi.db.search import opportunities as opportunity_search
from contactapi.db.search import opportunity_words

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TRIGGER = (
    "CREATE TRIGGER opportunities_fts_filters AFTER UPDATE OF status, stage_id, pipeline_id"
    " ON opportunities WHEN old.status IS NOT new.status OR old.stage_id IS NOT new.stage_id"
    " OR old.pipeline_id IS NOT new.pipeline_id"
    " BEGIN INSERT INTO opportunities_fts_pending (location_id, opportunity_rowid)"
    " VALUES (new.location_id, new.rowid); END"
)


def _own_indexes() -> list[tuple[str, str]]:
    """(location id, own index) of each location with an index of its own."""
    rows = op.get_bind().exec_driver_sql("SELECT location_id, k FROM opportunities_fts_locations")
    return [(location_id, f"opportunities_fts_l{int(k)}") for location_id, k in rows.fetchall()]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(_TRIGGER)
    raw = op.get_bind().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    for location_id, index in _own_indexes():
        op.execute(f"DROP TABLE {index}")
        opportunity_search.build_own_index(raw, index, location_id)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER opportunities_fts_filters")
    for _, index in _own_indexes():
        for table in opportunity_words.tables(index):
            op.execute(f"DROP TABLE IF EXISTS {table}")
