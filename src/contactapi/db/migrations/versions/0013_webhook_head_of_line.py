"""webhook deliveries: one contact's later deliveries wait as `queued` behind the head of
their line (the only `pending` one), so a claim reads due heads only, however long a line
waits behind a failing receiver; the index of unfinished lines replaces the one of all lines

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('pending', 'queued')"


def upgrade() -> None:
    op.drop_index("ix_webhook_deliveries_webhook_id_ordering_key_status_seq", "webhook_deliveries")
    # Every pending delivery behind an earlier pending one of its line waits.
    op.execute(
        "UPDATE webhook_deliveries SET status = 'queued' WHERE status = 'pending' AND EXISTS"
        " (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = webhook_deliveries.webhook_id"
        " AND e.ordering_key = webhook_deliveries.ordering_key AND e.status = 'pending'"
        " AND e.seq < webhook_deliveries.seq)"
    )
    op.create_index(
        "ix_webhook_deliveries_unfinished",
        "webhook_deliveries",
        ["webhook_id", "ordering_key", "seq"],
        sqlite_where=sa.text(UNFINISHED),
        postgresql_where=sa.text(UNFINISHED),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_unfinished", "webhook_deliveries")
    op.execute("UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'queued'")
    op.create_index(
        "ix_webhook_deliveries_webhook_id_ordering_key_status_seq",
        "webhook_deliveries",
        ["webhook_id", "ordering_key", "status", "seq"],
    )
