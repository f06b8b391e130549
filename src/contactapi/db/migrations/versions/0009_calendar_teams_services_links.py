"""calendar teams, services, open hours, trigger links

Teams (`/v1/calendars/teams`) and their users; a service is a calendar row with a team and
v1's service settings; every calendar gains what free slots need (slot interval and buffer,
open hours, a time zone). Trigger links (`/v1/links/`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.String(length=20)


def upgrade() -> None:
    op.create_table(
        "calendar_teams",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"],
            name="fk_calendar_teams_location_id_locations", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "id", name="pk_calendar_teams"),
        sa.UniqueConstraint("location_id", "slug", name="uq_calendar_teams_location_id_slug"),
    )  # fmt: skip
    op.create_index(
        "ix_calendar_teams_location_id_created_at_id",
        "calendar_teams",
        ["location_id", "created_at", "id"],
    )
    op.create_table(
        "calendar_team_users",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id", "team_id"], ["calendar_teams.location_id", "calendar_teams.id"],
            name="fk_calendar_team_users_location_id_team_id_calendar_teams", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id", "user_id"], ["user_locations.location_id", "user_locations.user_id"],
            name="fk_calendar_team_users_location_id_user_id_user_locations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "team_id", "user_id",
                                name="pk_calendar_team_users"),
    )  # fmt: skip
    op.create_index(
        "ix_calendar_team_users_location_id_user_id",
        "calendar_team_users",
        ["location_id", "user_id"],
    )
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(sa.Column("slot_interval", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("slot_buffer", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("open_hours", sa.Text(), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("team_id", ID, nullable=True))
        batch.add_column(sa.Column("slug", sa.String(100), nullable=True))
        batch.add_column(sa.Column("settings", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_calendars_location_id_team_id_calendar_teams",
            "calendar_teams",
            ["location_id", "team_id"],
            ["location_id", "id"],
            ondelete="CASCADE",
        )
        batch.create_index(
            "ix_calendars_location_id_team_id_created_at_id",
            ["location_id", "team_id", "created_at", "id"],
        )
        batch.create_index("ix_calendars_location_id_slug", ["location_id", "slug"])
    op.create_table(
        "trigger_links",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("redirect_to", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"],
            name="fk_trigger_links_location_id_locations", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "id", name="pk_trigger_links"),
    )  # fmt: skip
    op.create_index(
        "ix_trigger_links_location_id_created_at_id",
        "trigger_links",
        ["location_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_table("trigger_links")
    with op.batch_alter_table("calendars") as batch:
        batch.drop_index("ix_calendars_location_id_slug")
        batch.drop_index("ix_calendars_location_id_team_id_created_at_id")
        batch.drop_constraint("fk_calendars_location_id_team_id_calendar_teams", "foreignkey")
        for column in ("settings", "slug", "team_id", "timezone", "open_hours", "slot_buffer",
                       "slot_interval"):  # fmt: skip
            batch.drop_column(column)
    op.drop_table("calendar_team_users")
    op.drop_table("calendar_teams")
