"""PostgreSQL's search plan: the pg_trgm GIN indexes, planned per pattern, and one scan of the
matches gives both the total and the page. A small location is scanned instead: GIN cannot
filter by location, and another location's matches would cost more than reading the small
one. A query under three characters (no trigram to look up) scans the location too.

A query of letters in one or two words (`smith`, `gmail.com`, `absentee-owner`) is counted
from the word index instead (`words.py`), index-only, without reading a contact; then, as on
SQLite, the page walks the sort index testing each contact when matches are many, and is
otherwise taken from the GIN scan, without its count. A total of 5,000 or more is then kept as
writes happen (`kept.py`). The choice never changes an answer, only its cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from contactapi.db.search import kept
from contactapi.db.search.query import (
    Args,
    ListQuery,
    ListResult,
    PlanSql,
    indexable,
    page,
    scan_test,
    walk_budget,
    walk_length,
)
from contactapi.db.search.words import (
    WordQuery,
    count_holders,
    forget_location,
    matched_words,
    word_query,
)

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# Up to this many contacts a location is scanned rather than searched through GIN, whose
# matches in other locations each cost a heap fetch.
SMALL_LOCATION = 2_000
# The GIN plan's work per match (its heap page read, the match rechecked) costs about as much
# as the walk's test of this many contacts (each ~3-6 us at a million contacts).
WALK_STEPS_PER_MATCH = 1
# An email-like query is looked up by its part before `@` when that is this long (`gin_text_test`).
NARROW_MIN = 5


async def drop_own_index(conn: Connection, location_id: str) -> None:
    """The GIN indexes are the contacts table's, shared by every location, and a location's
    entries go with its contacts, as its word postings do: only its vocabulary is left."""
    await forget_location(conn, location_id)


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def gin_text_test(columns: Sequence[str], text: str, args: Args) -> str:
    """The condition that one of `columns` (each with its GIN index) holds `text`: LIKE the
    whole; or, for a query holding `@` after at least `NARROW_MIN` characters, LIKE what comes
    before the `@` (with it) through the index, and the whole rechecked beside it. GIN reads
    every posting of each trigram of a pattern, and a domain's (`com`, `mai`) are in most rows:
    at a million opportunities a contact's 28-character email took 18 ms, its part 1.1 ms."""
    whole = args.add(like_pattern(text))
    local, at, _ = text.partition("@")
    if not at or len(local) < NARROW_MIN:
        return " OR ".join(f"{column} LIKE {whole}" for column in columns)
    narrow = args.add(like_pattern(local + at))
    found = " OR ".join(f"{column} LIKE {narrow}" for column in columns)
    # `|| ''` keeps the whole pattern out of the index scan.
    rechecked = " OR ".join(f"({column} || '') LIKE {whole}" for column in columns)
    return f"({found}) AND ({rechecked})"


async def list_contacts(
    conn: Connection, location_id: str, q: ListQuery, columns: str
) -> ListResult:
    sql, args = PlanSql(q, columns), Args(location_id)
    # Kept by triggers (migration 0002): counting a large location's index is slow.
    size = int(
        await conn.fetch_value(
            "SELECT coalesce(sum(contacts), 0) FROM contacts_fts_locations WHERE location_id = $1",
            location_id,
        )
    )
    if q.text is None:
        return page(q, await conn.fetch_all(sql.walk(args), *args.values), size)
    total = None
    words = word_query(q.text, like_pattern(q.text)) if size > SMALL_LOCATION else None
    if words is not None:
        total = await kept.total(
            conn, kept.KeptQuery(location_id, "c", q.text), partial(_word_total, location_id, words)
        )
        if total == 0:
            return page(q, [], 0)
        walked = None if total is None else await _walk(conn, location_id, q, sql, total, size)
        if walked is not None:
            return walked
    if indexable(q) and size > SMALL_LOCATION:
        # A generic plan cannot see the pattern, so it cannot tell a term the GIN index
        # narrows from one most contacts match: plan each search for its pattern.
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        test = gin_text_test(["c.search_text"], q.text, args)
        if q.digits:
            test = f"({test}) OR c.search_phone LIKE {args.add(like_pattern(q.digits))}"
    else:
        test = scan_test(q, args, "strpos")
    condition = f" AND ({test})"
    if total is not None:  # counted already: only the page's keys are sorted
        counted = args.add(total)
        keys = f"SELECT c.{q.sort}, c.id, CAST({counted} AS BIGINT) AS total FROM contacts c"
    else:
        # The exact total must visit every match (GIN matches are rechecked on their heap
        # page), so the page is taken from that same scan: the matches' keys are counted by a
        # window over all of them, then filtered by the cursor, sorted, and only the page's
        # rows read in full. (SQL applies the outer WHERE after the window: the count ignores
        # the cursor.)
        keys = f"SELECT c.{q.sort}, c.id, count(*) OVER () AS total FROM contacts c"
    keys += f" WHERE c.location_id = $1{condition}"
    key_args = list(args.values)
    page_keys = (
        f"SELECT * FROM ({keys}) c WHERE true{sql.cursor(args)}{sql.order_by()}{sql.window(args)}"
    )
    page_sql = (
        f"SELECT {columns}, p.total FROM ({page_keys}) p"
        f" JOIN contacts c ON c.location_id = $1 AND c.id = p.id{sql.order_by('p')}"
    )
    rows = await conn.fetch_all(page_sql, *args.values)
    if rows or total is not None:
        return page(q, rows, int(rows[0]["total"]) if rows else int(total or 0))
    # Past the last match (a hand-made cursor or page): the total still counts them all.
    total = await conn.fetch_value(f"SELECT count(*) FROM ({keys}) c", *key_args)
    return page(q, rows, int(total))


async def _word_total(location_id: str, query: WordQuery, conn: Connection) -> int:
    words = await matched_words(conn, location_id, query)
    return await count_holders(
        conn, "contacts_fts_words", "contact_id", Args(location_id), "", words
    )


async def _walk(
    conn: Connection, location_id: str, q: ListQuery, sql: PlanSql, total: int, size: int
) -> ListResult | None:
    """The page of a query `total` contacts match, found by testing the contacts the sort
    index meets, when that reads fewer rows than the GIN plan; None if it does not, or if
    the page did not fill within the walk's bound (matches bunched at the far end of the
    order cost a bounded detour, not a walk through the whole location; the last page of a
    walk goes to the GIN plan too).

    The bound is a LIMIT on the walk's rows, which PostgreSQL stops reading as soon as the page
    is full: a separate query for where the bound lies read every row up to it, ~12 ms at
    21,000 contacts."""
    length = walk_length(q, size, total)
    if length is None or length >= total * WALK_STEPS_PER_MATCH:
        return None
    args = Args(location_id)
    bounded = (
        f"SELECT c.* FROM contacts c WHERE c.location_id = $1{sql.cursor(args)}"
        f"{sql.order_by()} LIMIT {args.add(walk_budget(length))}"
    )
    test = scan_test(q, args, "strpos")
    rows = await conn.fetch_all(
        f"SELECT {sql.columns} FROM ({bounded}) c WHERE {test}{sql.order_by()}{sql.window(args)}",
        *args.values,
    )
    return page(q, rows, total) if len(rows) > q.limit else None
