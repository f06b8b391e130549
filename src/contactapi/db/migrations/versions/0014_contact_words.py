"""contact words: a word index beside the trigram one, on PostgreSQL

A `query` most contacts match (a tag, a common last name, a company, an email domain) cost
PostgreSQL 170-280 ms at a million contacts: the exact total rechecks every trigram match on
its heap page. A query of letters in at most two words is now answered from word postings,
counted from the index alone (`db/search/words.py` says why the answer stays exact):

- `contacts_fts_words (location_id, word, contact_id)`: each contact's words, where a word is
  a run of letters a-z in one field of its search document, or two such runs that follow each
  other with what separates them (`summit realty`, `gmail.com`, `absentee-owner`); a run of
  digits is not a word but still keeps its neighbours apart.
- `contacts_fts_vocabulary (location_id, word, pair)`: every word a location has held (a word
  nobody holds any more stays: it only costs a lookup that finds no postings), with a trigram
  index, to find the words that contain a query.
- Statement triggers on `contacts` keep both whoever writes (requests, imports, tag renames,
  `COPY`), from the search document alone, through one SQL function. They run without JIT:
  a tag rename's estimates made PostgreSQL compile one for a second (20,000 contacts renamed:
  the trigger took 3.7 s with JIT, 2.8 s without).

SQLite: nothing (its FTS5 tables already count from the index).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The words of one search document (fields split on its separator, U+001F).
_WORDS_OF = r"""
CREATE FUNCTION contacts_fts_words_of(document text) RETURNS TABLE (word text, pair boolean)
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 20 AS $$
    WITH runs AS (
        SELECT r.m[1] AS run, r.m[2] AS gap,
               lead(r.m[1]) OVER (PARTITION BY f.n ORDER BY r.n) AS next_run
        FROM unnest(string_to_array(document, E'\x1f')) WITH ORDINALITY AS f (field, n)
        CROSS JOIN LATERAL regexp_matches(f.field, '([a-z]+|[0-9]+)([^a-z0-9]*)', 'g')
            WITH ORDINALITY AS r (m, n)
    )
    SELECT run, false FROM runs WHERE run ~ '^[a-z]'
    UNION
    SELECT run || gap || next_run, true FROM runs
    WHERE run ~ '^[a-z]' AND next_run ~ '^[a-z]'
$$
"""

_WORDS = "CROSS JOIN LATERAL contacts_fts_words_of({text}) w"
# A new word goes into the vocabulary unless it is there. The vocabulary has no unique key on
# purpose: with one, a transaction adding a word another is adding would wait for it, and two
# adding new words in opposite orders (statement by statement) would deadlock. A word two add
# at once is there twice, which costs a lookup nothing. Each word is looked up by the index (a
# subquery per word): an anti-join planned for the transition table's unknown size read the
# whole vocabulary, 100 ms.
_ADD_VOCABULARY = """
    INSERT INTO contacts_fts_vocabulary (location_id, word, pair)
    SELECT r.location_id, r.word, r.pair
    FROM (SELECT DISTINCT location_id, word, pair FROM {rows}) r WHERE (
        SELECT 1 FROM contacts_fts_vocabulary v
        WHERE v.location_id = r.location_id AND v.word = r.word LIMIT 1
    ) IS NULL;
"""
# (A contact's postings are written only under its row lock: no two transactions add one.)
_ADD = (
    """
    added AS (
        INSERT INTO contacts_fts_words (location_id, word, contact_id)
        SELECT location_id, word, id FROM {rows} ON CONFLICT DO NOTHING
    )
"""
    + _ADD_VOCABULARY
)
_KEY = "location_id, word, id"

POSTGRES = [
    "CREATE TABLE contacts_fts_words (location_id VARCHAR(20) NOT NULL, word TEXT NOT NULL,"
    " contact_id VARCHAR(20) NOT NULL, PRIMARY KEY (location_id, word, contact_id))",
    "CREATE TABLE contacts_fts_vocabulary (location_id VARCHAR(20) NOT NULL, word TEXT NOT NULL,"
    " pair BOOLEAN NOT NULL)",
    "CREATE INDEX contacts_fts_vocabulary_words ON contacts_fts_vocabulary (location_id, word)",
    "CREATE INDEX contacts_fts_vocabulary_trigrams ON contacts_fts_vocabulary"
    " USING gin (word gin_trgm_ops)",
    _WORDS_OF,
    f"""
CREATE FUNCTION contacts_fts_words_insert() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    WITH new_words AS (
        SELECT n.location_id, w.word, n.id, w.pair FROM new_rows n
        {_WORDS.format(text="n.search_text")}
    ),
    {_ADD.format(rows="new_words")}
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION contacts_fts_words_update() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    WITH changed AS (
        SELECT n.location_id, n.id, o.search_text AS old_text, n.search_text AS new_text
        FROM new_rows n JOIN old_rows o ON o.location_id = n.location_id AND o.id = n.id
        WHERE o.search_text <> n.search_text
    ),
    old_words AS (
        SELECT c.location_id, w.word, c.id FROM changed c {_WORDS.format(text="c.old_text")}
    ),
    all_new_words AS (
        SELECT c.location_id, w.word, c.id, w.pair FROM changed c
        {_WORDS.format(text="c.new_text")}
    ),
    new_words AS (
        SELECT * FROM all_new_words a WHERE NOT EXISTS (SELECT 1 FROM old_words o
            WHERE o.location_id = a.location_id AND o.word = a.word AND o.id = a.id)
    ),
    gone AS (
        DELETE FROM contacts_fts_words t USING (
            SELECT {_KEY} FROM old_words EXCEPT SELECT {_KEY} FROM all_new_words
        ) d WHERE t.location_id = d.location_id AND t.word = d.word AND t.contact_id = d.id
    ),
    {_ADD.format(rows="new_words")}
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION contacts_fts_words_delete() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    DELETE FROM contacts_fts_words t USING (
        SELECT o.location_id, w.word, o.id FROM old_rows o {_WORDS.format(text="o.search_text")}
    ) d WHERE t.location_id = d.location_id AND t.word = d.word AND t.contact_id = d.id;
    RETURN NULL;
END $$
""",
    "CREATE TRIGGER contacts_fts_words_insert AFTER INSERT ON contacts"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_fts_words_insert()",
    "CREATE TRIGGER contacts_fts_words_update AFTER UPDATE ON contacts"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_fts_words_update()",
    "CREATE TRIGGER contacts_fts_words_delete AFTER DELETE ON contacts"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_fts_words_delete()",
    # Existing contacts, as the insert trigger would have indexed them.
    f"""
    WITH new_words AS (
        SELECT c.location_id, w.word, c.id, w.pair FROM contacts c
        {_WORDS.format(text="c.search_text")}
    ),
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
            op.execute(f"DROP TRIGGER IF EXISTS contacts_fts_words_{name} ON contacts")
            op.execute(f"DROP FUNCTION IF EXISTS contacts_fts_words_{name}()")
        op.execute("DROP FUNCTION IF EXISTS contacts_fts_words_of(text)")
        op.execute("DROP TABLE IF EXISTS contacts_fts_vocabulary")
        op.execute("DROP TABLE IF EXISTS contacts_fts_words")
