"""pipelines, stages and opportunities

A location's pipelines with ordered stages, and its opportunities (each of one contact, in one
stage of one pipeline). `opportunity_counts` holds how many opportunities each (pipeline,
stage, status, assigned user or '') has, kept by triggers whoever writes them (a contact's
cascade included), so a list's total is a sum of a few rows, not a count of a million: row
triggers on SQLite, statement triggers over transition tables on PostgreSQL, in 16 shards per
key there (by backend), so concurrent writers seldom wait for one row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.String(length=20)
STAGE_ID = sa.String(length=36)
_KEY = "location_id, pipeline_id, stage_id, status, assigned_to"
# The key of a row of `opportunities`: no user is ''.
_ROW_KEY = "location_id, pipeline_id, stage_id, status, coalesce(assigned_to, '') AS assigned_to"


def _sqlite_count(row: str, sign: str) -> str:
    return (
        f"INSERT INTO opportunity_counts ({_KEY}, shard, opportunities) VALUES"
        f" ({row}.location_id, {row}.pipeline_id, {row}.stage_id, {row}.status,"
        f" coalesce({row}.assigned_to, ''), 0, {sign}1)"
        f" ON CONFLICT ({_KEY}, shard) DO UPDATE SET opportunities = opportunities {sign} 1;"
    )


SQLITE_TRIGGERS = [
    "CREATE TRIGGER opportunity_counts_insert AFTER INSERT ON opportunities BEGIN"
    f" {_sqlite_count('new', '+')} END",
    "CREATE TRIGGER opportunity_counts_delete AFTER DELETE ON opportunities BEGIN"
    f" {_sqlite_count('old', '-')} END",
    "CREATE TRIGGER opportunity_counts_update"
    " AFTER UPDATE OF pipeline_id, stage_id, status, assigned_to ON opportunities"
    " WHEN old.pipeline_id IS NOT new.pipeline_id OR old.stage_id IS NOT new.stage_id"
    " OR old.status IS NOT new.status OR old.assigned_to IS NOT new.assigned_to BEGIN"
    f" {_sqlite_count('old', '-')} {_sqlite_count('new', '+')} END",
]

# `changes`: the rows a statement added (+1) and removed (-1), netted per key.
_PG_FUNCTION = """
CREATE FUNCTION opportunity_counts_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO opportunity_counts AS c ({key}, shard, opportunities)
    SELECT {key}, pg_backend_pid() % 16, sum(delta) FROM ({changes}) changes
    GROUP BY {key} HAVING sum(delta) <> 0 ORDER BY {key}
    ON CONFLICT ({key}, shard)
    DO UPDATE SET opportunities = c.opportunities + excluded.opportunities;
    RETURN NULL;
END $$
"""
_ADDED = f"SELECT {_ROW_KEY}, 1 AS delta FROM new_rows"
_REMOVED = f"SELECT {_ROW_KEY}, -1 AS delta FROM old_rows"
POSTGRES_TRIGGERS = [
    _PG_FUNCTION.format(name="insert", key=_KEY, changes=_ADDED),
    _PG_FUNCTION.format(name="delete", key=_KEY, changes=_REMOVED),
    _PG_FUNCTION.format(name="update", key=_KEY, changes=f"{_ADDED} UNION ALL {_REMOVED}"),
    "CREATE TRIGGER opportunity_counts_insert AFTER INSERT ON opportunities"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION opportunity_counts_insert()",
    "CREATE TRIGGER opportunity_counts_delete AFTER DELETE ON opportunities"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION opportunity_counts_delete()",
    "CREATE TRIGGER opportunity_counts_update AFTER UPDATE ON opportunities"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION opportunity_counts_update()",
]


def _location_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["location_id"], ["locations.id"],
        name=op.f(f"fk_{table}_location_id_locations"), ondelete="CASCADE",
    )  # fmt: skip


def _pipeline_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["location_id", "pipeline_id"], ["pipelines.location_id", "pipelines.id"],
        name=op.f(f"fk_{table}_location_id_pipeline_id_pipelines"), ondelete="CASCADE",
    )  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _location_fk("pipelines"),
        sa.PrimaryKeyConstraint("location_id", "id", name=op.f("pk_pipelines")),
    )
    op.create_index(
        op.f("ix_pipelines_location_id_created_at_id"),
        "pipelines",
        ["location_id", "created_at", "id"],
    )
    op.create_table(
        "pipeline_stages",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("id", STAGE_ID, nullable=False),
        sa.Column("pipeline_id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _pipeline_fk("pipeline_stages"),
        sa.PrimaryKeyConstraint("location_id", "id", name=op.f("pk_pipeline_stages")),
    )
    op.create_index(
        op.f("ix_pipeline_stages_location_id_pipeline_id_position"),
        "pipeline_stages",
        ["location_id", "pipeline_id", "position"],
    )
    op.create_table(
        "opportunities",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("pipeline_id", ID, nullable=False),
        sa.Column("stage_id", STAGE_ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("monetary_value", sa.Float(), nullable=False),
        sa.Column("assigned_to", ID),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text()),
        sa.Column("last_status_change_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id", "contact_id"], ["contacts.location_id", "contacts.id"],
            name=op.f("fk_opportunities_location_id_contact_id_contacts"), ondelete="CASCADE",
        ),
        _pipeline_fk("opportunities"),
        sa.ForeignKeyConstraint(
            ["location_id", "stage_id"], ["pipeline_stages.location_id", "pipeline_stages.id"],
            name=op.f("fk_opportunities_location_id_stage_id_pipeline_stages"),
        ),
        sa.PrimaryKeyConstraint("location_id", "id", name=op.f("pk_opportunities")),
    )  # fmt: skip
    for columns in (
        ["location_id", "pipeline_id", "created_at", "id"],
        ["location_id", "stage_id", "created_at", "id"],
        ["location_id", "pipeline_id", "status", "created_at", "id"],
        ["location_id", "pipeline_id", "assigned_to", "created_at", "id"],
        ["location_id", "pipeline_id", "monetary_value"],
        ["location_id", "contact_id"],
    ):
        op.create_index(op.f(f"ix_opportunities_{'_'.join(columns)}"), "opportunities", columns)
    op.create_table(
        "opportunity_counts",
        sa.Column("location_id", ID, nullable=False),
        sa.Column("pipeline_id", ID, nullable=False),
        sa.Column("stage_id", STAGE_ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_to", ID, nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("opportunities", sa.BigInteger(), nullable=False),
        _pipeline_fk("opportunity_counts"),
        sa.PrimaryKeyConstraint(
            "location_id", "pipeline_id", "stage_id", "status", "assigned_to", "shard",
            name=op.f("pk_opportunity_counts"),
        ),
    )  # fmt: skip
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS opportunity_counts_{name} ON opportunities")
            op.execute(f"DROP FUNCTION IF EXISTS opportunity_counts_{name}()")
    op.drop_table("opportunity_counts")  # SQLite drops a table's triggers with it
    op.drop_table("opportunities")
    op.drop_table("pipeline_stages")
    op.drop_table("pipelines")
