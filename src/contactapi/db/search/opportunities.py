"""`query` over a pipeline's opportunities: the index of each database and its plan.

Each opportunity row carries its name's and its contact's search documents (`search_text`,
`contact_search_text`, `contact_search_phone`, kept by the triggers of migration 0012), so
matching and the exact total come from an index over that one row:

- SQLite, as contacts do (`sqlite.py`): a location of up to `SMALL_LOCATION` opportunities is
  scanned; a larger one has an FTS5 trigram table of its own, `opportunities_fts_l{k}`, so a
  search's cost never depends on what another location holds. The triggers queue changed
  rowids in `opportunities_fts_pending` and each write batch re-indexes them before its
  COMMIT (`apply_pending`): a reader never sees an opportunity without its entry. The table
  stores its text, so an entry is removed by rowid alone: re-indexing a rowid is idempotent.
  Beside it, a word index (`opportunity_words.py`) counts a query of one or two words with
  the pipeline, status and stage, and the page then walks createdAt testing each opportunity.
  A total of 5,000 or more is then kept as writes happen (`kept.py`, both databases).
- PostgreSQL, as contacts do (`postgresql.py`): pg_trgm GIN indexes on the three columns; one
  scan of the matches gives the total and the page, unless word postings counted it
  (migration 0015).

A plan answers None where the location is to be scanned instead (`opportunities/search.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

from contactapi.db.group_commit import in_thread
from contactapi.db.search import kept, opportunity_words, tokens
from contactapi.db.search.postgresql import gin_text_test, like_pattern
from contactapi.db.search.query import (
    Args,
    Keyset,
    ListResult,
    PlanSql,
    page,
    walk_budget,
    walk_length,
)
from contactapi.db.search.sqlite import fts_phrase
from contactapi.db.search.words import WordQuery, count_holders, matched_words, word_query

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# SQLite: up to this many opportunities a location is scanned (a few milliseconds).
SMALL_LOCATION = 20_000
# PostgreSQL: up to this many a location is scanned rather than searched through GIN, whose
# matches in other locations each cost a heap fetch.
SMALL_LOCATION_POSTGRES = 2_000
# PostgreSQL: the GIN plan's work per match costs about as much as the walk's test of this
# many opportunities (as contacts' `postgresql.WALK_STEPS_PER_MATCH`).
WALK_STEPS_PER_MATCH = 1
# SQLite: up to this many matches, a page sorts their keys; past it, it walks createdAt keeping
# the matches, about (limit + 1) * size / matches index steps (10,500 for a million).
FEW_MATCHES = 2_000
# The prefix keeps the tables out of alembic's drift check (db/migrations/env.py).
OWN_INDEX_PREFIX = "opportunities_fts_l"
_DOCUMENT = "search_text, contact_search_text, contact_search_phone"
# The filters the word index holds (`opportunity_words.py`), kept unindexed beside the
# documents: that index keeps no copy, and a change takes out the tokens of what is kept here.
_FILTERS = "status, stage_id, pipeline_id"
_COLUMNS = f"{_DOCUMENT}, {_FILTERS}"
_OWN_INDEX = (
    f"CREATE VIRTUAL TABLE {{table}} USING fts5({_DOCUMENT}, status UNINDEXED,"
    " stage_id UNINDEXED, pipeline_id UNINDEXED, tokenize='trigram case_sensitive 1')"
)
# What both indexes are written from (the word index: `opportunity_words.document`).
_ROWS = f"SELECT rowid, {_COLUMNS}"
# In rowid order: FTS5 flushes its in-memory segment whenever a rowid goes backwards.
_LOCATION_ROWS = (
    " FROM opportunities INDEXED BY ix_opportunities_location_id_contact_id"
    " WHERE location_id = ? ORDER BY rowid"
)
_FILL_OWN_INDEX = f"INSERT INTO {{table}}(rowid, {_COLUMNS}) {_ROWS}{_LOCATION_ROWS}"
_CHANGED = "SELECT opportunity_rowid FROM opportunities_fts_pending WHERE location_id = ?"
_CHANGED_ROWS = (
    f" FROM opportunities WHERE rowid IN ({_CHANGED}) AND location_id = ? ORDER BY rowid"
)
# What the index holds of the changed rows, before it is brought up to date.
_INDEXED = f"{_ROWS} FROM {{table}} WHERE rowid IN ({_CHANGED})"
_UNINDEX = f"DELETE FROM {{table}} WHERE rowid IN ({_CHANGED})"
_REINDEX = f"INSERT INTO {{table}}(rowid, {_COLUMNS}) {_ROWS}{_CHANGED_ROWS}"
_LOCATION_SIZE = (
    "SELECT coalesce(sum(opportunities), 0) FROM opportunity_counts WHERE location_id = ?"
)


def own_index_table(k: int) -> str:
    return f"{OWN_INDEX_PREFIX}{int(k)}"


def _own_index(raw: sqlite3.Connection, location_id: str) -> str | None:
    row = raw.execute(
        "SELECT k FROM opportunities_fts_locations WHERE location_id = ?", (location_id,)
    ).fetchone()
    return None if row is None else own_index_table(row[0])


def _apply(raw: sqlite3.Connection) -> list[str]:
    """Re-indexes the queued rowids of each location that has its index; answers the
    locations that have grown past `SMALL_LOCATION` without one."""
    if raw.execute("SELECT 1 FROM opportunities_fts_pending LIMIT 1").fetchone() is None:
        return []
    grown = []
    locations = raw.execute("SELECT DISTINCT location_id FROM opportunities_fts_pending")
    for (location_id,) in locations.fetchall():
        table = _own_index(raw, location_id)
        if table is not None:
            indexed = raw.execute(_INDEXED.format(table=table), (location_id,)).fetchall()
            opportunity_words.write(raw, table, indexed, "delete")
            raw.execute(_UNINDEX.format(table=table), (location_id,))
            raw.execute(_REINDEX.format(table=table), (location_id, location_id))
            changed = raw.execute(_ROWS + _CHANGED_ROWS, (location_id, location_id))
            opportunity_words.write(raw, table, changed, None)
        elif raw.execute(_LOCATION_SIZE, (location_id,)).fetchone()[0] > SMALL_LOCATION:
            grown.append(location_id)  # built from `opportunities`, this batch included
    raw.execute("DELETE FROM opportunities_fts_pending")
    return grown


async def apply_pending(raw: sqlite3.Connection) -> None:
    """Before a write batch's COMMIT: the queued changes, and the index of each location that
    has grown past `SMALL_LOCATION` (built in a thread, still in the batch's transaction)."""
    grown = _apply(raw)
    if grown:
        await in_thread(build_own_indexes, raw, grown)


def catch_up(raw: sqlite3.Connection) -> None:
    """`apply_pending` for a bulk writer outside the server, in its own transaction."""
    build_own_indexes(raw, _apply(raw))


def build_own_indexes(raw: sqlite3.Connection, location_ids: list[str]) -> None:
    for location_id in location_ids:
        cursor = raw.execute(
            "INSERT INTO opportunities_fts_locations (location_id) VALUES (?)", (location_id,)
        )
        assert cursor.lastrowid is not None
        build_own_index(raw, own_index_table(cursor.lastrowid), location_id)


def build_own_index(raw: sqlite3.Connection, table: str, location_id: str) -> None:
    """Creates and fills the location's index `table` and its word index."""
    raw.execute(_OWN_INDEX.format(table=table))
    raw.execute(_FILL_OWN_INDEX.format(table=table), (location_id,))
    # One segment instead of the fill's many: a term's doclist is then read in one place.
    raw.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    opportunity_words.build(raw, table, raw.execute(_ROWS + _LOCATION_ROWS, (location_id,)))


async def drop_own_index(conn: Connection, location_id: str) -> None:
    """SQLite: drops the location's index, if it has one, and its kept counts, in the caller's
    write transaction (the location is being purged)."""
    await kept.forget_location(conn, location_id)
    row = await conn.fetch_one(
        "SELECT k FROM opportunities_fts_locations WHERE location_id = $1", location_id
    )
    if row is None:
        return
    index = own_index_table(int(row["k"]))
    for table in (*opportunity_words.tables(index), index):
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
    await conn.execute(
        "DELETE FROM opportunities_fts_locations WHERE location_id = $1", location_id
    )


async def drop_kept_counts(conn: Connection, location_id: str) -> None:
    """PostgreSQL: the GIN indexes are the table's, and a location's entries go with its rows:
    only its kept counts (contacts' too) are left to take out."""
    await kept.forget_location(conn, location_id)


class TextKeyset(Keyset, Protocol):
    @property
    def text(self) -> str | None: ...
    @property
    def digits(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class OpportunitySearch:
    """A text search over a pipeline's opportunities, as the list hands it to a plan."""

    location_id: str
    pipeline_id: str
    q: TextKeyset
    # The page's columns (`o.`, and the contact's `c.` through `join`).
    columns: str
    join: str
    # The other filters' conditions, pipeline included, for `Args(location_id, pipeline_id)`;
    # the flag says whether they serve a page walking createdAt (else a count).
    where: Callable[[Args, bool], str]
    # No filter but the pipeline (and `query`).
    pipeline_only: bool
    # The filters the word indexes hold beside the pipeline, (column, value) for
    # each given (`status`, `stage_id`); None if another filter is given.
    word_filters: tuple[tuple[str, str], ...] | None = None

    def indexable(self) -> bool:
        text, digits = self.q.text, self.q.digits
        assert text is not None
        return len(text) >= 3 and (digits is None or len(digits) >= 3)

    def kept_query(self) -> kept.KeptQuery:
        """The query as its total is kept (`kept.py`), with the status and stage given."""
        filters = dict(self.word_filters or ())
        return kept.KeptQuery(
            self.location_id, "o", self.q.text or "", self.pipeline_id,
            filters.get("status", ""), filters.get("stage_id", ""),
        )  # fmt: skip


async def _sizes(conn: Connection, s: OpportunitySearch) -> tuple[int, int]:
    """How many opportunities the location and the pipeline hold (the kept counts)."""
    row = await conn.fetch_one(
        "SELECT coalesce(sum(opportunities), 0) AS location, coalesce(sum(CASE WHEN"
        " pipeline_id = $2 THEN opportunities ELSE 0 END), 0) AS pipeline"
        " FROM opportunity_counts WHERE location_id = $1",
        s.location_id,
        s.pipeline_id,
    )
    assert row is not None
    return int(row["location"]), int(row["pipeline"])


async def search_sqlite(conn: Connection, s: OpportunitySearch) -> ListResult | None:
    """One FTS5 evaluation per answer where it can be (it is the cost: every doclist of the
    query's trigrams is read). First the matches, at most `FEW_MATCHES` + 1: when that is all
    of them, the page is their keys sorted and the total their count, in that one statement.
    Otherwise matches are many, and the page walks createdAt keeping the matches (about
    (limit + 1) * size / matches index steps), with the total from the same evaluation."""
    if not s.indexable():
        return None
    own = await conn.fetch_one(
        "SELECT k FROM opportunities_fts_locations WHERE location_id = $1", s.location_id
    )
    if own is None:
        return None
    index, q = own_index_table(int(own["k"])), s.q
    assert q.text is not None
    known, walked = await _word_search(conn, s, index)  # known: the total, when counted
    if walked is not None:
        return walked
    match = f"{{search_text contact_search_text}} : {fts_phrase(q.text)}"
    if q.digits:
        match += f" OR contact_search_phone : {fts_phrase(q.digits)}"
    plan, args = PlanSql(q, s.columns), Args(s.location_id, s.pipeline_id)
    few = (
        f"WITH m AS MATERIALIZED (SELECT rowid AS rid FROM {index}({args.add(match)})"
        f" LIMIT {FEW_MATCHES + 1}), k AS (SELECT o.rowid AS rid, o.{q.sort}, o.id,"
        " count(*) OVER () AS total FROM m CROSS JOIN opportunities o ON o.rowid = m.rid"
        f" WHERE o.location_id = $1{s.where(args, False)})"
    )
    few_args = list(args.values)
    rows = await conn.fetch_all(
        f"{few} SELECT {s.columns}, p.total, (SELECT count(*) FROM m) AS matches FROM"
        f" (SELECT * FROM k o WHERE true{plan.cursor(args, 'o')}{plan.order_by('o')}"
        f"{plan.window(args)}) p CROSS JOIN opportunities o ON o.rowid = p.rid{s.join}"
        f"{plan.order_by('p')}",
        *args.values,
    )
    if rows and rows[0]["matches"] <= FEW_MATCHES:
        return page(q, rows, int(rows[0]["total"]))
    if not rows:
        # No match, or a cursor past the last: how many, and whether they are few.
        counted = await conn.fetch_one(
            f"{few} SELECT (SELECT count(*) FROM m) AS matches, (SELECT count(*) FROM k) AS total",
            *few_args,
        )
        assert counted is not None
        if counted["matches"] <= FEW_MATCHES:
            return page(q, [], int(counted["total"]))
    args = Args(s.location_id, s.pipeline_id)
    matches = f"WITH m AS MATERIALIZED (SELECT rowid AS rid FROM {index}({args.add(match)}))"
    if known is not None:
        total = str(known)
    elif s.pipeline_only and await _pipeline_holds_all(conn, s):
        # Every match of the location's own index is the pipeline's: count them alone.
        total = "(SELECT count(*) FROM m)"
    else:
        total = (
            "(SELECT count(*) FROM m CROSS JOIN opportunities o ON o.rowid = m.rid"
            f" WHERE o.location_id = $1{s.where(args, False)})"
        )
    total_args = list(args.values)
    # `+` keeps the IN list from driving the loop: the createdAt index does.
    rows = await conn.fetch_all(
        f"{matches} SELECT {s.columns}, {total} AS total FROM opportunities o{s.join}"
        f" WHERE o.location_id = $1{s.where(args, True)} AND +o.rowid IN (SELECT rid FROM m)"
        f"{plan.cursor(args, 'o')}{plan.order_by('o')}{plan.window(args)}",
        *args.values,
    )
    if rows:
        return page(q, rows, int(rows[0]["total"]))
    return page(q, rows, int(await conn.fetch_value(f"{matches} SELECT {total}", *total_args)))


async def _pipeline_holds_all(conn: Connection, s: OpportunitySearch) -> bool:
    location_size, pipeline_size = await _sizes(conn, s)
    return pipeline_size == location_size


async def _word_search(
    conn: Connection, s: OpportunitySearch, index: str
) -> tuple[int | None, ListResult | None]:
    """The total the word index beside `index` counts (None where it cannot: other filters,
    or a query not of one or two words), and the page when it says there are none, or when
    matches are many and a walk found it (else None: the trigram plans find it)."""
    words = tokens.words_query(s.q.text or "") if s.word_filters is not None else None
    if words is None or s.word_filters is None:
        return None, None
    location_size, pipeline_size = await _sizes(conn, s)
    filters = list(s.word_filters)
    if pipeline_size < location_size:  # (else every one is the pipeline's)
        filters.append(("pipeline_id", s.pipeline_id))
    count = partial(opportunity_words.count, index=index, query=words, filters=filters)
    total = await kept.total(conn, s.kept_query(), count)
    if total == 0:
        return 0, page(s.q, [], 0)
    if total is not None and total > FEW_MATCHES:
        return total, await _walk_sqlite(conn, s, total, pipeline_size)
    return total, None


async def _walk_sqlite(
    conn: Connection, s: OpportunitySearch, total: int, pipeline_size: int
) -> ListResult | None:
    """The page read along createdAt, testing each opportunity as the scan does, up to a
    bound (a key read from the index alone, as contacts' walk: SQLite would sort a bounded
    subquery's rows, reading all of them); None if the page did not fill within it."""
    q = s.q
    assert q.text is not None
    length = walk_length(q, pipeline_size, total)
    if length is None:
        return None
    plan, end_args = PlanSql(q, s.columns), Args(s.location_id, s.pipeline_id)
    condition = s.where(end_args, True)
    end_sql = plan.walk_end(end_args, walk_budget(length), "opportunities", "o", condition)
    end = await conn.fetch_one(end_sql, *end_args.values)
    args = Args(s.location_id, s.pipeline_id)
    condition = s.where(args, True) + plan.cursor(args, "o")
    text = args.add(q.text)
    test = f"instr(o.search_text, {text}) > 0 OR instr(o.contact_search_text, {text}) > 0"
    rows = await conn.fetch_all(
        f"SELECT {s.columns} FROM opportunities o{s.join} WHERE o.location_id = $1{condition}"
        f" AND ({test}){plan.until(args, end, 'o')}{plan.order_by('o')}{plan.window(args)}",
        *args.values,
    )
    return page(q, rows, total) if len(rows) > q.limit or end is None else None


async def search_postgres(conn: Connection, s: OpportunitySearch) -> ListResult | None:
    """As contacts do (`postgresql.py`): a query of one or two letter words is counted from the
    word postings (migration 0015) when its other filters are theirs (status, stage), and its
    page walks createdAt testing each opportunity when matches are many; otherwise one GIN scan
    gives the page, and the total too unless the postings counted it."""
    if not s.indexable():
        return None
    location_size, pipeline_size = await _sizes(conn, s)
    if location_size <= SMALL_LOCATION_POSTGRES:
        return None
    q = s.q
    assert q.text is not None
    total = None
    words = word_query(q.text, like_pattern(q.text)) if s.word_filters is not None else None
    if words is not None:
        total = await kept.total(conn, s.kept_query(), partial(_word_total, s, words))
        if total == 0:
            return page(q, [], 0)
        walked = None if total is None else await _walk(conn, s, total, pipeline_size)
        if walked is not None:
            return walked
    # A generic plan cannot see the pattern: plan each search for its own.
    await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    args, plan = Args(s.location_id, s.pipeline_id), PlanSql(q, s.columns)
    condition = s.where(args, False)
    test = gin_text_test(["o.search_text", "o.contact_search_text"], q.text, args)
    if q.digits:
        test = f"({test}) OR o.contact_search_phone LIKE {args.add(like_pattern(q.digits))}"
    # As contacts do: the exact total visits every match, so the page comes from that scan
    # (the window counts every match; the cursor applies after it), unless counted already.
    counted = "count(*) OVER ()" if total is None else f"CAST({args.add(total)} AS BIGINT)"
    keys = (
        f"SELECT o.{q.sort}, o.id, {counted} AS total FROM opportunities o"
        f" WHERE o.location_id = $1{condition} AND ({test})"
    )
    key_args = list(args.values)
    page_keys = (
        f"SELECT * FROM ({keys}) o WHERE true{plan.cursor(args, 'o')}{plan.order_by('o')}"
        f"{plan.window(args)}"
    )
    rows = await conn.fetch_all(
        f"SELECT {s.columns}, p.total FROM ({page_keys}) p JOIN opportunities o"
        f" ON o.location_id = $1 AND o.id = p.id{s.join}{plan.order_by('p')}",
        *args.values,
    )
    if rows or total is not None:
        return page(q, rows, int(rows[0]["total"]) if rows else int(total or 0))
    total = await conn.fetch_value(f"SELECT count(*) FROM ({keys}) o", *key_args)
    return page(q, rows, int(total))


async def _word_total(s: OpportunitySearch, query: WordQuery, conn: Connection) -> int:
    """How many of the pipeline's opportunities (of the status, stage given) hold a word of
    the location's vocabulary that contains the query, from the postings' index alone."""
    assert s.word_filters is not None
    words = await matched_words(conn, s.location_id, query)
    args = Args(s.location_id, s.pipeline_id)
    condition = " AND pipeline_id = $2"
    for column, value in s.word_filters:
        condition += f" AND {column} = {args.add(value)}"
    return await count_holders(
        conn, "opportunities_fts_words", "opportunity_id", args, condition, words
    )


async def _walk(
    conn: Connection, s: OpportunitySearch, total: int, pipeline_size: int
) -> ListResult | None:
    """The page read along createdAt, testing each opportunity, when matches are many (as
    contacts' `postgresql._walk`: a bounded walk PostgreSQL stops reading once the page is
    full); None when the GIN plan reads fewer rows, or the page did not fill in the bound."""
    q = s.q
    assert q.text is not None
    length = walk_length(q, pipeline_size, total)
    if length is None or length >= total * WALK_STEPS_PER_MATCH:
        return None
    args, plan = Args(s.location_id, s.pipeline_id), PlanSql(q, s.columns)
    bounded = (
        f"SELECT o.* FROM opportunities o WHERE o.location_id = $1{s.where(args, True)}"
        f"{plan.cursor(args, 'o')}{plan.order_by('o')} LIMIT {args.add(walk_budget(length))}"
    )
    text = args.add(q.text)
    test = f"strpos(o.search_text, {text}) > 0 OR strpos(o.contact_search_text, {text}) > 0"
    matched = f"SELECT * FROM ({bounded}) o WHERE {test}{plan.order_by('o')}{plan.window(args)}"
    rows = await conn.fetch_all(
        f"SELECT {s.columns} FROM ({matched}) o{s.join}{plan.order_by('o')}", *args.values
    )
    return page(q, rows, total) if len(rows) > q.limit else None
