"""SQLite's search plan: the FTS5 trigram index, which holds each contact's location as a token.

A query of 3+ characters: the index counts the matches (filtering by location inside the
index, `loc AND term`, when other locations hold most matches). The page then either reads the
few matches and sorts them, or, when matches are many, walks the sort index keeping the rowids
the index matched: whichever reads fewer rows. A shorter query (no trigram to look up) scans
the location, testing each search document. The choice never changes an answer, only its cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactapi.db.search.query import EMPTY, Args, ListQuery, ListResult, PlanSql, indexable, page

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# Reading a match's row costs about as much as stepping this many index entries.
ROW_READ_IN_INDEX_STEPS = 6
# Past this many matches per contact of the location, the location is tested inside the FTS
# index rather than by reading each match's row.
LOCATION_IN_INDEX_FACTOR = 4
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
    if not indexable(q):
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
    count_sql = "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH $1"
    # The term alone is counted inside the index, without reading a contact. That is the
    # total when this location holds every contact. Otherwise each match's location is read
    # from its row; or, when other locations hold far more matches than this one has
    # contacts, tested inside the index (`loc AND term`), which then costs less.
    everywhere = int(await conn.fetch_value(count_sql, term))
    if everywhere == 0:
        return EMPTY
    match, matched_rows = term, everywhere
    all_contacts = await conn.fetch_value("SELECT sum(contacts) FROM contacts_fts_locations")
    if int(all_contacts) == size:
        total = everywhere
    elif everywhere <= LOCATION_IN_INDEX_FACTOR * size:
        total = int(
            await conn.fetch_value(
                "SELECT count(*) FROM contacts_fts f CROSS JOIN contacts c ON c.rowid = f.rowid"
                " WHERE contacts_fts MATCH $1 AND c.location_id = $2",
                term,
                location_id,
            )
        )
    else:
        match = f"loc : {_fts_phrase(location_token(int(location['k'])))} AND ({term})"
        total = matched_rows = int(await conn.fetch_value(count_sql, match))
    if total == 0:
        return EMPTY
    # Walking the sort index steps about (limit + 1) * size / total entries to fill a page;
    # reading the matches reads `matched_rows` rows. Take the cheaper.
    if matched_rows * total * ROW_READ_IN_INDEX_STEPS > (q.limit + 1) * size:
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
