"""custom values, notes, tasks

Custom values: the location's named values (`{{ custom_value.<name> }}`). Notes and tasks: a
contact's, deleted with it. `user_locations`: the users of each location, which notes and
tasks may name.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(length=20)


def upgrade() -> None:
    op.create_table(
        "custom_values",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("field_key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"],
            name=op.f("fk_custom_values_location_id_locations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "id", name=op.f("pk_custom_values")),
        sa.UniqueConstraint(
            "location_id", "field_key", name=op.f("uq_custom_values_location_id_field_key")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_custom_values_location_id_created_at_id"),
        "custom_values",
        ["location_id", "created_at", "id"],
    )

    for table, order in (("notes", "created_at"), ("tasks", "due_date")):
        columns = (
            [sa.Column("body", sa.Text(), nullable=False), sa.Column("user_id", ID)]
            if table == "notes"
            else [
                sa.Column("title", sa.Text(), nullable=False),
                sa.Column("description", sa.Text()),
                sa.Column("due_date", sa.BigInteger(), nullable=False),
                sa.Column("status", sa.String(length=16), nullable=False),
                sa.Column("assigned_to", ID),
            ]
        )
        op.create_table(
            table,
            sa.Column("location_id", ID, nullable=False),
            sa.Column("id", ID, nullable=False),
            sa.Column("contact_id", ID, nullable=False),
            *columns,
            sa.Column("created_at", sa.BigInteger(), nullable=False),
            sa.ForeignKeyConstraint(
                ["location_id", "contact_id"], ["contacts.location_id", "contacts.id"],
                name=op.f(f"fk_{table}_location_id_contact_id_contacts"), ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("location_id", "id", name=op.f(f"pk_{table}")),
        )  # fmt: skip
        op.create_index(
            op.f(f"ix_{table}_location_id_contact_id_{order}_id"),
            table,
            ["location_id", "contact_id", order, "id"],
        )
    op.create_table(
        "user_locations",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"],
            name=op.f("fk_user_locations_location_id_locations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "user_id", name=op.f("pk_user_locations")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("user_locations")
    op.drop_table("tasks")
    op.drop_table("notes")
    op.drop_table("custom_values")
