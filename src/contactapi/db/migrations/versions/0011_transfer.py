"""transfer: resumable imports' progress, and migrated records' source ids

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.String(20)


def upgrade() -> None:
    op.create_table(
        "transfer_progress",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("job", sa.String(80), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name="fk_transfer_progress_location_id_locations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "job", name="pk_transfer_progress"),
    )
    op.create_table(
        "transfer_ids",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name="fk_transfer_ids_location_id_locations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "location_id", "source", "kind", "source_id", name="pk_transfer_ids"
        ),
    )


def downgrade() -> None:
    op.drop_table("transfer_ids")
    op.drop_table("transfer_progress")
