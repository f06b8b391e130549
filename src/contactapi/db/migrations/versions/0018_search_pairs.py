"""contact search on SQLite: a pair index beside each location's own trigram index

A query of two words and the characters between them (`summit realty`, `gmail.com`) is
counted from one token per pair of each contact instead of the trigram index's phrase
(`db/search/pairs.py`). This builds the pair index of every location that has its own index
(about 15 s per million contacts); a location that grows one later gets both at once.

PostgreSQL: nothing (its word index, 0014, holds pair-words already).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlite3

from alembic import op

from contactapi.db.search import pairs
from contactapi.db.search_index import AUTOMERGE, FILL_PAIRS

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _own_indexes() -> list[tuple[str, str]]:
    """(location id, own index) of each location with an index of its own."""
    rows = op.get_bind().exec_driver_sql(
        "SELECT location_id, k FROM contacts_fts_locations WHERE own_index"
    )
    return [(location_id, f"contacts_fts_l{int(k)}") for location_id, k in rows.fetchall()]


def _raw() -> sqlite3.Connection:
    raw = op.get_bind().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for location_id, index in _own_indexes():
        pairs.create(_raw(), index, AUTOMERGE)
        pairs.fill(_raw(), index, _raw().execute(FILL_PAIRS, (location_id,)))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for _, index in _own_indexes():
        for table in pairs.tables(index):
            op.execute(f"DROP TABLE IF EXISTS {table}")
