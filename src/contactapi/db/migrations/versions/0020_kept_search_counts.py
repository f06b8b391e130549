"""kept search counts: the exact total of a common query, kept as writes happen

Counting a query a fifth of a million contacts or opportunities match reads that many
postings (PostgreSQL: `kitchen`, 190,000, 50 ms; `com`, 830,000, 535 ms; SQLite: `com`, 41 ms).
A query whose total came out large is now kept (`db/search/kept.py` registers it, and says why
the total stays exact):

- `search_kept_queries (location_id, id, kind, text, pipeline_id, status, stage_id)`: a kept
  query (`c` contacts, `o` a pipeline's opportunities, with its status and stage or '').
- `search_kept_counts (location_id, query_id, shard, matches)`: its count when it was kept
  (shard -1), plus what each write since changed (PostgreSQL: 16 shards by backend, as
  `opportunity_counts`, so concurrent writers seldom wait for one row).
- Triggers add each write's net change to the counts of the location's kept queries its rows
  match (a substring of the search document, as `query` is): on PostgreSQL, statement triggers
  on `contacts` and `opportunities`; on SQLite, row triggers on `opportunities` only
  (contacts' totals come from their FTS5 indexes in a few milliseconds, and their creates are
  what the write lock is short of). A later migration that recreates `opportunities` on SQLite
  (batch "move and copy") drops these triggers with it, and must create them again.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_COLUMNS = {
    "contacts": "location_id, search_text, ''::text AS contact_text, '' AS pipeline_id,"
    " '' AS status, '' AS stage_id",
    "opportunities": "location_id, search_text, contact_search_text AS contact_text,"
    " pipeline_id, status, stage_id",
}
_KIND = {"contacts": "c", "opportunities": "o"}

# The rows a statement added (+1) and removed (-1); a row whose match did not change nets 0.
_CHANGES = {
    "insert": "SELECT {columns}, 1 AS delta FROM new_rows",
    "delete": "SELECT {columns}, -1 AS delta FROM old_rows",
    "update": "SELECT {columns}, 1 AS delta FROM new_rows"
    " UNION ALL SELECT {columns}, -1 AS delta FROM old_rows",
}

# A writer under REPEATABLE READ whose snapshot predates a query's registration, but which took
# its transaction id after the registration's horizon, would miss the query unseen (`kept.py`):
# only READ COMMITTED writes (every write of the API) may change these tables.
_FUNCTION = """
CREATE FUNCTION search_kept_{table}_{name}() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'writes to {table} must run in READ COMMITTED (kept search counts)';
    END IF;
    INSERT INTO search_kept_counts AS c (location_id, query_id, shard, matches)
    SELECT q.location_id, q.id, pg_backend_pid() % 16, sum(d.delta)
    FROM ({changes}) d
    JOIN search_kept_queries q ON q.location_id = d.location_id AND q.kind = '{kind}'
        AND q.pipeline_id = d.pipeline_id
        AND (q.status = '' OR q.status = d.status)
        AND (q.stage_id = '' OR q.stage_id = d.stage_id)
    WHERE strpos(d.search_text, q.text) > 0 OR strpos(d.contact_text, q.text) > 0
    GROUP BY q.location_id, q.id HAVING sum(d.delta) <> 0 ORDER BY q.location_id, q.id
    ON CONFLICT (location_id, query_id, shard)
    DO UPDATE SET matches = c.matches + excluded.matches;
    RETURN NULL;
END $$
"""
_TRANSITIONS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _postgres() -> list[str]:
    statements = [
        "CREATE TABLE search_kept_queries (location_id VARCHAR(20) NOT NULL,"
        " id BIGINT GENERATED ALWAYS AS IDENTITY, kind CHAR(1) NOT NULL, text TEXT NOT NULL,"
        " pipeline_id VARCHAR(20) NOT NULL, status VARCHAR(16) NOT NULL,"
        " stage_id VARCHAR(64) NOT NULL, PRIMARY KEY (location_id, id),"
        " CONSTRAINT search_kept_queries_key"
        " UNIQUE (location_id, kind, text, pipeline_id, status, stage_id))",
        "CREATE TABLE search_kept_counts (location_id VARCHAR(20) NOT NULL,"
        " query_id BIGINT NOT NULL, shard SMALLINT NOT NULL, matches BIGINT NOT NULL,"
        " PRIMARY KEY (location_id, query_id, shard))",
    ]
    for table, columns in _COLUMNS.items():
        for name, changes in _CHANGES.items():
            function = _FUNCTION.format(
                table=table, name=name, kind=_KIND[table],
                changes=changes.format(columns=columns),
            )  # fmt: skip
            statements.append(function)
            statements.append(
                f"CREATE TRIGGER search_kept_{table}_{name} AFTER {name.upper()} ON {table}"
                f" {_TRANSITIONS[name]} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION search_kept_{table}_{name}()"
            )
    return statements


# SQLite: a row's match of a kept query, and its change to the count (`row` old or new).
_SQLITE_CHANGE = """
    INSERT INTO search_kept_counts (location_id, query_id, shard, matches)
    SELECT q.location_id, q.id, 0, {sign}1 FROM search_kept_queries q
    WHERE q.location_id = {row}.location_id AND q.kind = 'o' AND q.pipeline_id = {row}.pipeline_id
        AND q.status IN ('', {row}.status) AND q.stage_id IN ('', {row}.stage_id)
        AND (instr({row}.search_text, q.text) > 0 OR instr({row}.contact_search_text, q.text) > 0)
    ON CONFLICT (location_id, query_id, shard) DO UPDATE SET matches = matches {sign} 1;
"""
_OLD = _SQLITE_CHANGE.format(row="old", sign="-")
_NEW = _SQLITE_CHANGE.format(row="new", sign="+")
_WATCHED = ("search_text", "contact_search_text", "pipeline_id", "status", "stage_id")
SQLITE = [
    "CREATE TABLE search_kept_queries (id INTEGER PRIMARY KEY,"
    " location_id VARCHAR(20) NOT NULL, kind CHAR(1) NOT NULL, text TEXT NOT NULL,"
    " pipeline_id VARCHAR(20) NOT NULL, status VARCHAR(16) NOT NULL,"
    " stage_id VARCHAR(64) NOT NULL,"
    " UNIQUE (location_id, kind, text, pipeline_id, status, stage_id))",
    "CREATE TABLE search_kept_counts (location_id VARCHAR(20) NOT NULL,"
    " query_id BIGINT NOT NULL, shard SMALLINT NOT NULL, matches BIGINT NOT NULL,"
    " PRIMARY KEY (location_id, query_id, shard))",
    f"CREATE TRIGGER search_kept_opportunities_insert AFTER INSERT ON opportunities"
    f" BEGIN {_NEW} END",
    f"CREATE TRIGGER search_kept_opportunities_delete AFTER DELETE ON opportunities"
    f" BEGIN {_OLD} END",
    f"CREATE TRIGGER search_kept_opportunities_update AFTER UPDATE OF {', '.join(_WATCHED)}"
    " ON opportunities WHEN "
    + " OR ".join(f"old.{column} IS NOT new.{column}" for column in _WATCHED)
    + f" BEGIN {_OLD} {_NEW} END",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _postgres():
            op.execute(statement)
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _COLUMNS:
            for name in _CHANGES:
                op.execute(f"DROP TRIGGER IF EXISTS search_kept_{table}_{name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS search_kept_{table}_{name}()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_kept_opportunities_{name}")
    op.execute("DROP TABLE IF EXISTS search_kept_counts")
    op.execute("DROP TABLE IF EXISTS search_kept_queries")
