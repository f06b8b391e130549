"""queue workers and key labels

Queue workers: each running worker's heartbeat, and which worker holds a job. A job held by a
worker whose heartbeat stopped (a SIGKILL, a crash) is due again within seconds, instead of
after its whole lease.

API keys: a label, and when each was last used (to the minute), for `contactapi keys list`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_workers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("heartbeat_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_workers")),
    )
    op.add_column("jobs", sa.Column("locked_by", sa.String(length=40), nullable=True))
    op.add_column("api_keys", sa.Column("label", sa.String(length=100), nullable=True))
    op.add_column("api_keys", sa.Column("last_used_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("label")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("locked_by")
    op.drop_table("queue_workers")
