"""opportunity words: migration 0014's word index for a pipeline's opportunities, on PostgreSQL

`query` on a pipeline's opportunities matches their name and their contact's search document;
a word many of them hold (`kitchen`, 19% of a million) cost PostgreSQL ~290 ms, rechecking every
trigram match on its heap page. Now:

- `opportunities_fts_words (location_id, pipeline_id, word, opportunity_id)`, with the
  opportunity's `status` and `stage_id` in the index (INCLUDE), so a pipeline's matches are
  counted from the index alone, with or without those filters. Its words are those of its name
  and of its contact's document (`contacts_fts_words_of`, migration 0014), and they go into the
  location's one vocabulary, `contacts_fts_vocabulary`.
- Statement triggers on `opportunities` keep them whoever writes: an insert; an update of the
  name, the contact's document (itself copied by migration 0012's triggers), the pipeline,
  stage or status re-writes the opportunity's postings; a delete removes them.

SQLite: nothing (its FTS5 tables already count from the index).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_WORDS = (
    "CROSS JOIN LATERAL contacts_fts_words_of("
    "{o}.search_text || E'\\x1f' || {o}.contact_search_text) w"
)
_COLUMNS = "location_id, pipeline_id, word, opportunity_id, status, stage_id"
# (An opportunity's postings are written only under its row lock: no two transactions add
# one. The vocabulary takes a new word as migration 0014's triggers add it.)
_ADD = f"""
    added AS (
        INSERT INTO opportunities_fts_words ({_COLUMNS})
        SELECT {_COLUMNS} FROM {{rows}} ON CONFLICT DO NOTHING
    )
    INSERT INTO contacts_fts_vocabulary (location_id, word, pair)
    SELECT r.location_id, r.word, r.pair
    FROM (SELECT DISTINCT location_id, word, pair FROM {{rows}}) r WHERE (
        SELECT 1 FROM contacts_fts_vocabulary v
        WHERE v.location_id = r.location_id AND v.word = r.word LIMIT 1
    ) IS NULL;
"""
_NEW_WORDS = f"""
    new_words AS (
        SELECT n.location_id, n.pipeline_id, w.word, n.id AS opportunity_id, n.status,
               n.stage_id, w.pair
        FROM {{rows}} {_WORDS.format(o="n")}{{changed}}
    ),
"""
_REMOVE = f"""
    DELETE FROM opportunities_fts_words t USING (
        SELECT o.location_id, o.pipeline_id, w.word, o.id FROM {{rows}} {_WORDS.format(o="o")}
        {{changed}}
    ) d WHERE t.location_id = d.location_id AND t.pipeline_id = d.pipeline_id
        AND t.word = d.word AND t.opportunity_id = d.id;
"""
# The updated rows, old (o) and new (n), whose postings change.
_UPDATED = "old_rows o JOIN new_rows n ON n.location_id = o.location_id AND n.id = o.id"
_CHANGED = (
    " WHERE (o.search_text, o.contact_search_text, o.pipeline_id, o.status, o.stage_id)"
    " IS DISTINCT FROM (n.search_text, n.contact_search_text, n.pipeline_id, n.status,"
    " n.stage_id)"
)

POSTGRES = [
    "CREATE TABLE opportunities_fts_words (location_id VARCHAR(20) NOT NULL,"
    " pipeline_id VARCHAR(20) NOT NULL, word TEXT NOT NULL,"
    " opportunity_id VARCHAR(20) NOT NULL, status VARCHAR(16) NOT NULL,"
    " stage_id VARCHAR(64) NOT NULL, PRIMARY KEY (location_id, pipeline_id, word, opportunity_id)"
    " INCLUDE (status, stage_id))",
    f"""
CREATE FUNCTION opportunities_fts_words_insert() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
BEGIN
    WITH {_NEW_WORDS.format(rows="new_rows n", changed="")}
    {_ADD.format(rows="new_words")}
    RETURN NULL;
END $$
""",
    # An update that moves an opportunity or changes its words: its postings are re-written
    # whole (a dozen rows), the old removed before the new go in.
    f"""
CREATE FUNCTION opportunities_fts_words_update() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
BEGIN
    {_REMOVE.format(rows=_UPDATED, changed=_CHANGED)}
    WITH {_NEW_WORDS.format(rows=_UPDATED, changed=_CHANGED)}
    {_ADD.format(rows="new_words")}
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION opportunities_fts_words_delete() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
BEGIN
    {_REMOVE.format(rows="old_rows o", changed="")}
    RETURN NULL;
END $$
""",
    "CREATE TRIGGER opportunities_fts_words_insert AFTER INSERT ON opportunities"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION opportunities_fts_words_insert()",
    "CREATE TRIGGER opportunities_fts_words_update AFTER UPDATE ON opportunities"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION opportunities_fts_words_update()",
    "CREATE TRIGGER opportunities_fts_words_delete AFTER DELETE ON opportunities"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION opportunities_fts_words_delete()",
    # Existing opportunities, as the insert trigger would have indexed them.
    f"""
    WITH {_NEW_WORDS.format(rows="opportunities n", changed="")}
    {_ADD.format(rows="new_words")}
""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS opportunities_fts_words_{name} ON opportunities")
            op.execute(f"DROP FUNCTION IF EXISTS opportunities_fts_words_{name}()")
        op.execute("DROP TABLE IF EXISTS opportunities_fts_words")
