"""agencies, their keys and locations; users

Agencies own locations and have keys of their own; a location gains v1's profile (its lookup
email, time zone, and the rest as JSON) and `deleted_at` (its data is removed by a queued job).
Users join `user_locations`, which until now held bare ids: those rows name no user and go.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.String(20)


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agencies"),
    )
    op.create_table(
        "agency_keys",
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("label", sa.String(100), nullable=True),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name="fk_agency_keys_agency_id_agencies",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agency_id", "id", name="pk_agency_keys"),
        sa.UniqueConstraint("key_hash", name="uq_agency_keys_key_hash"),
    )
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("agency_id", ID, nullable=True))
        batch.add_column(sa.Column("email_lower", sa.Text(), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("profile", sa.Text(), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.BigInteger(), nullable=True))
        batch.create_foreign_key(
            "fk_locations_agency_id_agencies", "agencies", ["agency_id"], ["id"]
        )
        batch.create_index("ix_locations_agency_id_email_lower", ["agency_id", "email_lower"])
    op.create_table(
        "users",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("email_lower", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("permissions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("owner_id", "email_lower", name="uq_users_owner_id_email_lower"),
    )
    op.create_index("ix_users_email_lower", "users", ["email_lower"])
    op.execute("DELETE FROM user_locations")
    with op.batch_alter_table("user_locations") as batch:
        batch.create_foreign_key(
            "fk_user_locations_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_user_locations_user_id", ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("user_locations") as batch:
        batch.drop_index("ix_user_locations_user_id")
        batch.drop_constraint("fk_user_locations_user_id_users", type_="foreignkey")
    op.drop_index("ix_users_email_lower", table_name="users")
    op.drop_table("users")
    with op.batch_alter_table("locations") as batch:
        batch.drop_index("ix_locations_agency_id_email_lower")
        batch.drop_constraint("fk_locations_agency_id_agencies", type_="foreignkey")
        for column in ("deleted_at", "profile", "timezone", "email_lower", "agency_id"):
            batch.drop_column(column)
    op.drop_table("agency_keys")
    op.drop_table("agencies")
