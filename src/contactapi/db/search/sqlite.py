"""SQLite's search plan: the FTS5 trigram index, which holds each contact's location as a token.

The index is shared by every location, so a search only ever asks it about the caller's own
location (`loc AND term`): what other locations hold must not change a search's cost, or its
timing would tell whether an address exists elsewhere on the server. A location of up to
`SMALL_LOCATION` contacts is scanned instead, testing each search document, as is any location
for a query under three characters (no trigram to look up): that costs what the location
holds, and nothing else. For a query of 3+ characters in a larger location, the page either
reads the matches and sorts them, or, when matches are many, walks the sort index keeping the
rowids the index matched: whichever reads fewer rows. The choice never changes an answer,
only its cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactapi.db.search.query import EMPTY, Args, ListQuery, ListResult, PlanSql, indexable, page

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# Reading a match's row costs about as much as stepping this many index entries.
ROW_READ_IN_INDEX_STEPS = 6
# Up to this many contacts a location is scanned (a few milliseconds, in a slow-read thread).
SMALL_LOCATION = 20_000
# The location's token is three characters from this block (CJK ideographs).
TOKEN_BASE = 0x4E00
TOKEN_RADIX = 20_000


def location_token(k: int) -> str:
    """The FTS5 token of location number k (as migration 0002's triggers compute it)."""
    return "".join(
        chr(TOKEN_BASE + digit)
        for digit in ((k // TOKEN_RADIX**2) % TOKEN_RADIX, (k // TOKEN_RADIX) % TOKEN_RADIX,
                      k % TOKEN_RADIX)
    )  # fmt: skip


def _fts_phrase(text: str) -> str:
    """A quoted FTS5 phrase: user input never becomes FTS syntax."""
    return '"' + text.replace('"', '""') + '"'


async def list_contacts(
    conn: Connection, location_id: str, q: ListQuery, columns: str
) -> ListResult:
    location = await conn.fetch_one(
        "SELECT k, contacts FROM contacts_fts_locations WHERE location_id = $1", location_id
    )
    if location is None:
        return EMPTY
    size, sql, args = int(location["contacts"]), PlanSql(q, columns), Args(location_id)
    if q.text is None:
        return page(q, await conn.fetch_all(sql.walk(args), *args.values), size)
    if not indexable(q) or size <= SMALL_LOCATION:
        test = f"instr(c.search_text, {args.add(q.text)}) > 0"
        if q.digits:
            test += f" OR instr(c.search_phone, {args.add(q.digits)}) > 0"
        total = await conn.fetch_value(
            f"SELECT count(*) FROM contacts c WHERE c.location_id = $1 AND ({test})",
            *args.values,
        )
        rows = await conn.fetch_all(sql.walk(args, f" AND ({test})"), *args.values)
        return page(q, rows, int(total))

    term = f"search_text : {_fts_phrase(q.text)}"
    if q.digits:
        term += f" OR search_phone : {_fts_phrase(q.digits)}"
    match = f"loc : {_fts_phrase(location_token(int(location['k'])))} AND ({term})"
    total = int(
        await conn.fetch_value(
            "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH $1", match
        )
    )
    if total == 0:
        return EMPTY
    # Walking the sort index steps about (limit + 1) * size / total entries to fill a page;
    # reading the matches reads `total` rows. Take the cheaper.
    if total * total * ROW_READ_IN_INDEX_STEPS > (q.limit + 1) * size:
        # `+` keeps the IN list from driving the loop: the sort index does, index-only.
        matched = (
            " AND +c.rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH"
            f" {args.add(match)})"
        )
        indexed_by = f" INDEXED BY ix_contacts_location_id_{q.sort}_id"
        rows = await conn.fetch_all(sql.walk(args, matched, indexed_by), *args.values)
        return page(q, rows, total)
    # CROSS JOIN keeps the index as the outer loop; only the keys are sorted.
    keys = (
        f"SELECT c.rowid AS rid, c.{q.sort}, c.id FROM contacts_fts f"
        " CROSS JOIN contacts c ON c.rowid = f.rowid"
        f" WHERE contacts_fts MATCH {args.add(match)} AND c.location_id = $1"
        f"{sql.cursor(args)}{sql.order_by()}{sql.window(args)}"
    )
    page_sql = (
        f"SELECT {columns} FROM ({keys}) p CROSS JOIN contacts c ON c.rowid = p.rid"
        f"{sql.order_by('p')}"
    )
    return page(q, await conn.fetch_all(page_sql, *args.values), total)
