"""webhook deliveries: two indexes fewer to write per event. One unique index (location,
subscription, delivery id) serves both the lookup of a delivery and its subscription's log
(newest first: delivery ids start with their time), in place of a unique index and a log
index; the index of due deliveries holds pending ones only.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('pending', 'queued')"
PENDING = "status = 'pending'"


def _unfinished_index() -> None:
    op.create_index(
        "ix_webhook_deliveries_unfinished",
        "webhook_deliveries",
        ["webhook_id", "ordering_key", "seq"],
        sqlite_where=sa.text(UNFINISHED),
        postgresql_where=sa.text(UNFINISHED),
    )


def upgrade() -> None:
    # Dropped around the batch (SQLite copies the table) and made again: the copy would not
    # keep its WHERE.
    op.drop_index("ix_webhook_deliveries_unfinished", "webhook_deliveries")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_index("ix_webhook_deliveries_location_id_webhook_id_created_at_id")
        batch.drop_index("ix_webhook_deliveries_status_next_attempt_at")
        batch.drop_constraint("uq_webhook_deliveries_location_id_id", type_="unique")
        batch.create_unique_constraint(
            "uq_webhook_deliveries_location_id_webhook_id_id", ["location_id", "webhook_id", "id"]
        )
    _unfinished_index()
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        sqlite_where=sa.text(PENDING),
        postgresql_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_due", "webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_unfinished", "webhook_deliveries")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint("uq_webhook_deliveries_location_id_webhook_id_id", type_="unique")
        batch.create_unique_constraint(
            "uq_webhook_deliveries_location_id_id", ["location_id", "id"]
        )
        batch.create_index(
            "ix_webhook_deliveries_status_next_attempt_at", ["status", "next_attempt_at"]
        )
        batch.create_index(
            "ix_webhook_deliveries_location_id_webhook_id_created_at_id",
            ["location_id", "webhook_id", "created_at", "id"],
        )
    _unfinished_index()
