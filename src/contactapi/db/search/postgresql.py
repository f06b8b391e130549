"""PostgreSQL's search plan: the pg_trgm GIN indexes, planned per pattern, count the matches
(the exact total); the page either sorts the matches' keys, or, when matches are many, walks
the sort index testing each contact as the scan does (`query.walk_within`): whichever reads fewer
rows. A small location is scanned instead, once for both the total and the page: GIN cannot
filter by location, and another location's matches would cost more than reading the small
one. A query under three characters (no trigram to look up) scans the location too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactapi.db.search.query import (
    EMPTY,
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

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# Up to this many contacts a location is scanned rather than searched through GIN, whose
# matches in other locations each cost a heap fetch.
SMALL_LOCATION = 2_000
# Testing a contact met along the sort index costs about as much as this many matches read
# through the GIN index (each rechecked on its heap page, its keys sorted).
ROW_TEST_IN_MATCH_READS = 2


async def drop_own_index(conn: Connection, location_id: str) -> None:
    """Nothing to drop: the GIN indexes are the contacts table's, shared by every location,
    and a location's entries go with its contacts."""


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
    if not indexable(q) or size <= SMALL_LOCATION:
        return await _scan(conn, q, sql, args, scan_test(q, args, "strpos"))
    # A generic plan cannot see the pattern, so it cannot tell a term the GIN index
    # narrows from one most contacts match: plan each search for its pattern.
    await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    test = f"c.search_text LIKE {args.add(_like_pattern(q.text))}"
    if q.digits:
        test += f" OR c.search_phone LIKE {args.add(_like_pattern(q.digits))}"
    matches = f"FROM contacts c WHERE c.location_id = $1 AND ({test})"
    total = int(await conn.fetch_value(f"SELECT count(*) {matches}", *args.values))
    if total == 0:
        return EMPTY
    length = walk_length(q, size, total)
    if length is not None and length * ROW_TEST_IN_MATCH_READS < total:
        # Matches so many that the page's are met soon along the sort index: each contact
        # met is tested as the scan tests it, up to a bound, instead of sorting every match.
        walk_args = Args(location_id)
        walk_test = f" AND ({scan_test(q, walk_args, 'strpos')})"
        walk = sql.walk_within(walk_args, walk_test, walk_budget(length))
        rows = await conn.fetch_all(walk, *walk_args.values)
        if len(rows) > q.limit:
            return page(q, rows, total)
    # The matches' keys, through the GIN index, sorted; only the page's rows read in full.
    keys = f"SELECT c.{q.sort}, c.id {matches}{sql.cursor(args)}{sql.order_by()}{sql.window(args)}"
    page_sql = (
        f"SELECT {columns} FROM ({keys}) p"
        f" JOIN contacts c ON c.location_id = $1 AND c.id = p.id{sql.order_by('p')}"
    )
    return page(q, await conn.fetch_all(page_sql, *args.values), total)


async def _scan(conn: Connection, q: ListQuery, sql: PlanSql, args: Args, test: str) -> ListResult:
    """The location scanned once for both the total and the page: the matches' keys are
    counted by a window over all of them, then filtered by the cursor, sorted, and only the
    page's rows read in full. (SQL applies the outer WHERE after the window: the count
    ignores the cursor.)"""
    keys = (
        f"SELECT c.{q.sort}, c.id, count(*) OVER () AS total FROM contacts c"
        f" WHERE c.location_id = $1 AND ({test})"
    )
    key_args = list(args.values)
    page_keys = (
        f"SELECT * FROM ({keys}) c WHERE true{sql.cursor(args)}{sql.order_by()}{sql.window(args)}"
    )
    page_sql = (
        f"SELECT {sql.columns}, p.total FROM ({page_keys}) p"
        f" JOIN contacts c ON c.location_id = $1 AND c.id = p.id{sql.order_by('p')}"
    )
    rows = await conn.fetch_all(page_sql, *args.values)
    if rows:
        return page(q, rows, int(rows[0]["total"]))
    # Past the last match (a hand-made cursor or page): the total still counts them all.
    total = await conn.fetch_value(f"SELECT count(*) FROM ({keys}) c", *key_args)
    return page(q, rows, int(total))
