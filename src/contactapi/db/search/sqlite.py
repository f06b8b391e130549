"""SQLite's search plan: an FTS5 trigram index of its own for each large location.

A search's cost must depend on the caller's location only: if it grew with what other
locations hold, its timing would tell whether an address exists elsewhere on the server. So no
location shares an index with another. A location of up to `SMALL_LOCATION` contacts has no
index at all: it is scanned, testing each search document, as is any location for a query
under three characters (no trigram to look up); that costs what the location holds, and
nothing else. A location that grows past `SMALL_LOCATION` gets a contentless FTS5 table of its
own, `contacts_fts_l{k}` (k: its number in `contacts_fts_locations`, whose `own_index` says
the table exists), built in the write batch that crosses the threshold and kept in step from
then on (`db/search_index.py`). For a query of 3+ characters there, the index counts the
matches (the exact total; a query of two words and their gap, `summit realty`, is counted from
the pair index beside it, `pairs.py`), and the page either reads the matches and sorts them,
or, when matches are many, walks the sort index testing each contact as the scan does
(`query.bounded_walk`): whichever reads fewer rows. The choice never changes an answer, only
its cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactapi.db.search import pairs, tokens
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

# Reading a match's row costs about as much as stepping this many index entries.
ROW_READ_IN_INDEX_STEPS = 6
# Reading and testing a contact costs about as much as this many trigram steps of an FTS5
# phrase (one trigram's entry of one match): ~2 us against ~40 ns.
ROW_TEST_IN_FTS_STEPS = 50
# A query that is a tag's name is counted through a part of this many characters (two
# trigrams) when that proves its total (`_tag_total`), if it is at least twice as long.
TAG_PROOF_PART = 4
# Letters from the most common in text to the least; str.find gives the rest -1 % 40 = 39.
_LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
# Up to this many contacts a location is scanned (a few milliseconds, in a slow-read thread).
SMALL_LOCATION = 20_000
# A location's token is three characters from this block (CJK ideographs).
TOKEN_BASE = 0x4E00
TOKEN_RADIX = 20_000
# The prefix keeps the tables out of alembic's drift check (db/migrations/env.py).
OWN_INDEX_PREFIX = "contacts_fts_l"


def location_token(k: int) -> str:
    """The token that names location number k in the queue of index changes (as migration
    0002's triggers compute it; `db/search_index.py`)."""
    return "".join(
        chr(TOKEN_BASE + digit)
        for digit in ((k // TOKEN_RADIX**2) % TOKEN_RADIX, (k // TOKEN_RADIX) % TOKEN_RADIX,
                      k % TOKEN_RADIX)
    )  # fmt: skip


def location_number(token: str) -> int:
    """The location number k whose token is `token` (the inverse of `location_token`)."""
    k = 0
    for char in token:
        k = k * TOKEN_RADIX + ord(char) - TOKEN_BASE
    return k


def own_index_table(k: int) -> str:
    """The name of location number k's own FTS5 table."""
    return f"{OWN_INDEX_PREFIX}{int(k)}"


async def drop_own_index(conn: Connection, location_id: str) -> None:
    """Drops the location's own search index, if it has one (when the location is deleted or
    emptied), in the caller's write transaction. Should the location grow past
    `SMALL_LOCATION` again, its next write batch builds a new one."""
    location = await conn.fetch_one(
        "SELECT k FROM contacts_fts_locations WHERE location_id = $1 AND own_index",
        location_id,
    )
    if location is None:
        return
    index = own_index_table(int(location["k"]))
    for table in (*pairs.tables(index), index):
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
    await conn.execute(
        "UPDATE contacts_fts_locations SET own_index = 0 WHERE location_id = $1", location_id
    )


def _sort_index(q: ListQuery) -> str:
    return f" INDEXED BY ix_contacts_location_id_{q.sort}_id"


async def _tag_total(conn: Connection, index: str, location_id: str, q: ListQuery) -> int | None:
    """The total of a query that is a tag's name, when a cheaper count proves it, else None.

    The contacts carrying the tag (counted in `contact_tags`) all match, and every match holds
    any part of the query: if as many contacts hold its most distinctive part (a few characters,
    counted through the index) as carry the tag, the matches are exactly those contacts. An
    FTS5 phrase costs about one step per trigram per match: the part's two trigrams cost a few
    times less than a long tag name's dozen (`absentee-owner`: 12)."""
    assert q.text is not None
    if q.digits or len(q.text) < 2 * TAG_PROOF_PART:
        return None
    tagged = int(
        await conn.fetch_value(
            "SELECT count(*) FROM contact_tags WHERE location_id = $1 AND name = $2",
            location_id,
            q.text,
        )
    )
    if tagged == 0:
        return None
    part = _distinctive_part(q.text)
    holding = await conn.fetch_value(
        f"SELECT count(*) FROM {index} WHERE {index} MATCH $1", f"search_text : {fts_phrase(part)}"
    )
    return tagged if int(holding) == tagged else None


def _distinctive_part(text: str) -> str:
    """The query's run of TAG_PROOF_PART characters least common in text: punctuation, digits
    and rare letters (English letters, most common first, in _LETTERS)."""
    runs = [text[i : i + TAG_PROOF_PART] for i in range(len(text) - TAG_PROOF_PART + 1)]
    return max(runs, key=lambda run: sum(_LETTERS.find(ch) % 40 for ch in run))


def fts_phrase(text: str) -> str:
    """A quoted FTS5 phrase: user input never becomes FTS syntax."""
    return '"' + text.replace('"', '""') + '"'


async def list_contacts(
    conn: Connection, location_id: str, q: ListQuery, columns: str
) -> ListResult:
    location = await conn.fetch_one(
        "SELECT k, contacts, own_index FROM contacts_fts_locations WHERE location_id = $1",
        location_id,
    )
    if location is None:
        return EMPTY
    size, sql, args = int(location["contacts"]), PlanSql(q, columns), Args(location_id)
    if q.text is None:
        return page(q, await conn.fetch_all(sql.walk(args), *args.values), size)
    # Without an index of its own (not built yet, or dropped), a location is scanned too.
    if not indexable(q) or size <= SMALL_LOCATION or not location["own_index"]:
        test = scan_test(q, args, "instr")
        total = await conn.fetch_value(
            f"SELECT count(*) FROM contacts c WHERE c.location_id = $1 AND ({test})",
            *args.values,
        )
        rows = await conn.fetch_all(sql.walk(args, f" AND ({test})"), *args.values)
        return page(q, rows, int(total))

    index = own_index_table(int(location["k"]))
    match = f"search_text : {fts_phrase(q.text)}"
    if q.digits:
        match += f" OR search_phone : {fts_phrase(q.digits)}"
    words = tokens.words_query(q.text)  # (a query with digits is none)
    total = await pairs.count(conn, index, words) if words and words.pair else None
    if total is None:
        total = await _tag_total(conn, index, location_id, q)
    if total is None:
        total = int(
            await conn.fetch_value(f"SELECT count(*) FROM {index} WHERE {index} MATCH $1", match)
        )
    if total == 0:
        return EMPTY
    length = walk_length(q, size, total)
    if length is not None and length * ROW_TEST_IN_FTS_STEPS < total * (len(q.text) - 2):
        # Matches so many that the index's work per match outweighs testing the contacts
        # the walk meets: the page is found by testing them as the scan does, up to a bound.
        # The bound is a key read from the sort index: SQLite would sort the rows of a
        # bounded subquery (`query.walk_within`), reading all of them.
        end_args = Args(location_id)
        end = await conn.fetch_one(sql.walk_end(end_args, walk_budget(length)), *end_args.values)
        test = f" AND ({scan_test(q, args, 'instr')}){sql.until(args, end)}"
        rows = await conn.fetch_all(sql.walk(args, test, _sort_index(q)), *args.values)
        if len(rows) > q.limit or end is None:  # a full page, or the walk went to the end
            return page(q, rows, total)
        args = Args(location_id)
    # Walking the sort index steps about `length` entries to fill a page; reading the
    # matches reads `total` rows. Take the cheaper.
    if total * total * ROW_READ_IN_INDEX_STEPS > (q.limit + 1) * size:
        # `+` keeps the IN list from driving the loop: the sort index does, index-only.
        matched = (
            f" AND +c.rowid IN (SELECT rowid FROM {index} WHERE {index} MATCH {args.add(match)})"
        )
        rows = await conn.fetch_all(sql.walk(args, matched, _sort_index(q)), *args.values)
        return page(q, rows, total)
    # CROSS JOIN keeps the index as the outer loop; only the keys are sorted.
    keys = (
        f"SELECT c.rowid AS rid, c.{q.sort}, c.id FROM {index} f"
        " CROSS JOIN contacts c ON c.rowid = f.rowid"
        f" WHERE {index} MATCH {args.add(match)} AND c.location_id = $1"
        f"{sql.cursor(args)}{sql.order_by()}{sql.window(args)}"
    )
    page_sql = (
        f"SELECT {columns} FROM ({keys}) p CROSS JOIN contacts c ON c.rowid = p.rid"
        f"{sql.order_by('p')}"
    )
    return page(q, await conn.fetch_all(page_sql, *args.values), total)
