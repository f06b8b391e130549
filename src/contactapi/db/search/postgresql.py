"""PostgreSQL's search plan: the pg_trgm GIN indexes, planned per pattern, and one scan of the
matches gives both the total and the page. A small location is scanned instead: GIN cannot
filter by location, and another location's matches would cost more than reading the small
one. A query under three characters (no trigram to look up) scans the location too.

The one scan is kept for terms many contacts match (issue 18): counting them first and then
walking the sort index for the page (as SQLite does) saves the window's ~30% for a term
matching 5% of a million contacts, but costs ~1.5x for one matching 0.4% (two GIN scans
instead of one), and the total that would tell them apart is what the scan computes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactapi.db.search.query import (
    Args,
    ListQuery,
    ListResult,
    PlanSql,
    indexable,
    page,
    scan_test,
)

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# Up to this many contacts a location is scanned rather than searched through GIN, whose
# matches in other locations each cost a heap fetch.
SMALL_LOCATION = 2_000


async def drop_own_index(conn: Connection, location_id: str) -> None:
    """Nothing to drop: the GIN indexes are the contacts table's, shared by every location,
    and a location's entries go with its contacts."""


def like_pattern(text: str) -> str:
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
    if indexable(q) and size > SMALL_LOCATION:
        # A generic plan cannot see the pattern, so it cannot tell a term the GIN index
        # narrows from one most contacts match: plan each search for its pattern.
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        test = f"c.search_text LIKE {args.add(like_pattern(q.text))}"
        if q.digits:
            test += f" OR c.search_phone LIKE {args.add(like_pattern(q.digits))}"
    else:
        test = scan_test(q, args, "strpos")
    condition = f" AND ({test})"
    # The exact total must visit every match (GIN matches are rechecked on their heap page),
    # so the page is taken from that same scan: the matches' keys are counted by a window
    # over all of them, then filtered by the cursor, sorted, and only the page's rows read
    # in full. (SQL applies the outer WHERE after the window: the count ignores the cursor.)
    keys = (
        f"SELECT c.{q.sort}, c.id, count(*) OVER () AS total FROM contacts c"
        f" WHERE c.location_id = $1{condition}"
    )
    key_args = list(args.values)
    page_keys = (
        f"SELECT * FROM ({keys}) c WHERE true{sql.cursor(args)}{sql.order_by()}{sql.window(args)}"
    )
    page_sql = (
        f"SELECT {columns}, p.total FROM ({page_keys}) p"
        f" JOIN contacts c ON c.location_id = $1 AND c.id = p.id{sql.order_by('p')}"
    )
    rows = await conn.fetch_all(page_sql, *args.values)
    if rows:
        return page(q, rows, int(rows[0]["total"]))
    # Past the last match (a hand-made cursor or page): the total still counts them all.
    total = await conn.fetch_value(f"SELECT count(*) FROM ({keys}) c", *key_args)
    return page(q, rows, int(total))
