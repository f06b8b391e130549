"""opportunity search: the contact's search document on each opportunity, and its indexes

`query` on a pipeline's opportunities matches the opportunity's name and its contact's search
document; the list scanned the pipeline joined to its contacts. Now each opportunity carries
its contact's `search_text` and `search_phone` (`contact_search_text`, `contact_search_phone`),
kept by triggers whoever writes (an opportunity's insert or new contact, a contact's update;
a contact's delete takes its opportunities with it), so the three columns are indexed together:

- SQLite: as contacts are (migration 0007), a location of up to 20,000 opportunities is scanned
  and a larger one gets an FTS5 trigram table of its own, `opportunities_fts_l{k}`
  (`opportunities_fts_locations` names it), so a search's cost never depends on what other
  locations hold. Triggers queue the rowids of changed opportunities in
  `opportunities_fts_pending`; each write batch re-indexes them before its COMMIT
  (`db/search/opportunities.py`). The FTS5 table keeps its own copy of the text, so an
  entry is deleted by rowid alone, whatever order the queued changes came in.
- PostgreSQL: pg_trgm GIN indexes on the three columns, as on contacts.

A later migration that recreates the opportunities table (batch "move and copy") renumbers its
rowids and drops its triggers: it must recreate both and refill every `opportunities_fts_l{k}`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Frozen copies of what this migration needs from contactapi/db/search/opportunities.py as it
# was when the migration was written. Do not edit them.
_SMALL_LOCATION = 20_000
_DOCUMENT = "search_text, contact_search_text, contact_search_phone"
_OWN_INDEX = (
    f"CREATE VIRTUAL TABLE opportunities_fts_l{{k}} USING fts5({_DOCUMENT},"
    " tokenize='trigram case_sensitive 1')"
)
_FILL_OWN_INDEX = (
    f"INSERT INTO opportunities_fts_l{{k}}(rowid, {_DOCUMENT}) SELECT rowid, {_DOCUMENT}"
    " FROM opportunities WHERE location_id = ? ORDER BY rowid"
)

_CONTACT = "FROM contacts c WHERE c.location_id = new.location_id AND c.id = new.contact_id"
# The contact's document, copied onto the opportunity row `rowid`.
_SQLITE_COPY = (
    f"UPDATE opportunities SET contact_search_text = (SELECT c.search_text {_CONTACT}),"
    f" contact_search_phone = (SELECT c.search_phone {_CONTACT}) WHERE rowid = new.rowid;"
)
_QUEUE = "INSERT INTO opportunities_fts_pending (location_id, opportunity_rowid) VALUES"

SQLITE = [
    "CREATE TABLE opportunities_fts_locations (k INTEGER PRIMARY KEY,"
    " location_id VARCHAR(20) NOT NULL UNIQUE)",
    "CREATE TABLE opportunities_fts_pending (location_id VARCHAR(20) NOT NULL,"
    " opportunity_rowid INTEGER NOT NULL)",
    "CREATE TRIGGER opportunities_fts_insert AFTER INSERT ON opportunities BEGIN"
    f" {_SQLITE_COPY} {_QUEUE} (new.location_id, new.rowid); END",
    "CREATE TRIGGER opportunities_fts_contact AFTER UPDATE OF contact_id ON opportunities"
    f" WHEN old.contact_id IS NOT new.contact_id BEGIN {_SQLITE_COPY} END",
    "CREATE TRIGGER opportunities_fts_update"
    " AFTER UPDATE OF search_text, contact_search_text, contact_search_phone ON opportunities"
    " WHEN old.search_text IS NOT new.search_text"
    " OR old.contact_search_text IS NOT new.contact_search_text"
    " OR old.contact_search_phone IS NOT new.contact_search_phone"
    f" BEGIN {_QUEUE} (new.location_id, new.rowid); END",
    "CREATE TRIGGER opportunities_fts_delete AFTER DELETE ON opportunities BEGIN"
    f" {_QUEUE} (old.location_id, old.rowid); END",
    "CREATE TRIGGER opportunities_fts_contact_document"
    " AFTER UPDATE OF search_text, search_phone ON contacts"
    " WHEN old.search_text IS NOT new.search_text OR old.search_phone IS NOT new.search_phone"
    " BEGIN UPDATE opportunities SET contact_search_text = new.search_text,"
    " contact_search_phone = new.search_phone"
    " WHERE location_id = new.location_id AND contact_id = new.id; END",
]

POSTGRES = [
    """
CREATE FUNCTION opportunities_contact_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.search_text, c.search_phone INTO NEW.contact_search_text, NEW.contact_search_phone
    FROM contacts c WHERE c.location_id = NEW.location_id AND c.id = NEW.contact_id;
    RETURN NEW;
END $$
""",
    "CREATE TRIGGER opportunities_contact_document"
    " BEFORE INSERT OR UPDATE OF contact_id ON opportunities"
    " FOR EACH ROW EXECUTE FUNCTION opportunities_contact_document()",
    """
CREATE FUNCTION contacts_opportunity_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE opportunities SET contact_search_text = NEW.search_text,
        contact_search_phone = NEW.search_phone
    WHERE location_id = NEW.location_id AND contact_id = NEW.id;
    RETURN NULL;
END $$
""",
    "CREATE TRIGGER contacts_opportunity_document AFTER UPDATE OF search_text, search_phone"
    " ON contacts FOR EACH ROW WHEN (old.search_text IS DISTINCT FROM new.search_text"
    " OR old.search_phone IS DISTINCT FROM new.search_phone)"
    " EXECUTE FUNCTION contacts_opportunity_document()",
    "CREATE INDEX ix_opportunities_search_name ON opportunities"
    " USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX ix_opportunities_search_contact_text ON opportunities"
    " USING gin (contact_search_text gin_trgm_ops)",
    "CREATE INDEX ix_opportunities_search_contact_phone ON opportunities"
    " USING gin (contact_search_phone gin_trgm_ops)",
]

_BACKFILL = (
    "UPDATE opportunities SET contact_search_text = c.search_text,"
    " contact_search_phone = c.search_phone FROM contacts c"
    " WHERE c.location_id = opportunities.location_id AND c.id = opportunities.contact_id"
)


def upgrade() -> None:
    # Plain ALTERs on both databases: a batch "move and copy" would drop 0008's triggers.
    for column in ("contact_search_text", "contact_search_phone"):
        op.execute(f"ALTER TABLE opportunities ADD COLUMN {column} TEXT DEFAULT '' NOT NULL")
    op.execute(_BACKFILL)
    if op.get_bind().dialect.name != "sqlite":
        for statement in POSTGRES:
            op.execute(statement)
        return
    for statement in SQLITE:
        op.execute(statement)
    # Locations past the threshold already: their index now, not in some later write batch.
    large = op.get_bind().exec_driver_sql(
        "SELECT location_id FROM opportunities GROUP BY location_id HAVING count(*) > ?",
        (_SMALL_LOCATION,),
    )
    for (location_id,) in large.fetchall():
        k = (
            op.get_bind()
            .exec_driver_sql(
                "INSERT INTO opportunities_fts_locations (location_id) VALUES (?)", (location_id,)
            )
            .lastrowid
        )
        op.execute(_OWN_INDEX.format(k=int(k)))
        op.get_bind().exec_driver_sql(_FILL_OWN_INDEX.format(k=int(k)), (location_id,))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "contact", "update", "delete", "contact_document"):
            op.execute(f"DROP TRIGGER IF EXISTS opportunities_fts_{trigger}")
        own = op.get_bind().exec_driver_sql("SELECT k FROM opportunities_fts_locations")
        for (k,) in own.fetchall():
            op.execute(f"DROP TABLE opportunities_fts_l{int(k)}")
        op.execute("DROP TABLE opportunities_fts_pending")
        op.execute("DROP TABLE opportunities_fts_locations")
    else:
        op.execute("DROP TRIGGER contacts_opportunity_document ON contacts")
        op.execute("DROP FUNCTION contacts_opportunity_document()")
        op.execute("DROP TRIGGER opportunities_contact_document ON opportunities")
        op.execute("DROP FUNCTION opportunities_contact_document()")
        for index in ("name", "contact_text", "contact_phone"):
            op.execute(f"DROP INDEX ix_opportunities_search_{index}")
    for column in ("contact_search_phone", "contact_search_text"):
        op.execute(f"ALTER TABLE opportunities DROP COLUMN {column}")
