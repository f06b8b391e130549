"""List and search: query parsing, keyset cursors, and the SQL per dialect.

Pages are keyset pages on (sort value, id): a page starts strictly after the cursor, so a
walk visits every contact that exists throughout it exactly once, whatever else is written
meanwhile, and a deep page costs what the first one does.

The plans (the choice never changes an answer, only its cost):
- no query: walk the location's sort index (location_id, sort, id).
- SQLite, a query of 3+ characters: the FTS5 trigram index counts the matches (filtering by
  location inside the index, `loc AND term`, when other locations hold most matches). The
  page then either reads the few matches and sorts them, or, when matches are many, walks the
  sort index keeping the rowids the index matched: whichever reads fewer rows.
- PostgreSQL, a query of 3+ characters: the pg_trgm GIN indexes, planned per pattern, and one
  scan of the matches gives both the total and the page. A small location is scanned instead:
  GIN cannot filter by location, and another location's matches would cost more than reading
  the small one.
- a shorter query (no trigram to look up): scan the location, testing each search document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Literal

from contactapi.contacts.repository import COLUMNS
from contactapi.db.engine import Connection, Row
from contactapi.errors import FieldErrors, ValidationFailed, unknown_id

SortField = Literal["date_added", "date_updated"]
Order = Literal["desc", "asc"]

SORT_FIELDS: tuple[SortField, ...] = ("date_added", "date_updated")
ORDERS: tuple[Order, ...] = ("desc", "asc")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 255
# Trigram indexes match nothing shorter than a trigram.
MIN_INDEXED_LENGTH = 3
# PostgreSQL: up to this many contacts a location is scanned rather than searched through
# GIN, whose matches in other locations each cost a heap fetch.
SMALL_LOCATION = 2_000
# SQLite: reading a match's row costs about as much as stepping this many index entries.
ROW_READ_IN_INDEX_STEPS = 6
# SQLite: past this many matches per contact of the location, the location is tested inside
# the FTS index rather than by reading each match's row.
LOCATION_IN_INDEX_FACTOR = 4
# SQLite: the location's token is three characters from this block (CJK ideographs).
TOKEN_BASE = 0x4E00
TOKEN_RADIX = 20_000

_PHONE_SHAPED = re.compile(r"[0-9()+\-.\s]*[0-9][0-9()+\-.\s]*")
_DECIMAL = re.compile(r"[0-9]{1,16}(\.[0-9]{1,6})?")
_INTEGER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class Cursor:
    """The page starts strictly after (value, contact_id); with no id, strictly after value."""

    value: int
    contact_id: str | None


@dataclass(frozen=True, slots=True)
class ListQuery:
    text: str | None
    # The digits of a phone-shaped query (`888-732` -> `888732`), matched against phones.
    digits: str | None
    sort: SortField
    order: Order
    limit: int
    page: int | None
    cursor: Cursor | None
    # `startAfterId` without `startAfter`: the cursor is that contact's own position.
    start_after_id: str | None


@dataclass(frozen=True, slots=True)
class ListResult:
    rows: list[Row]
    has_more: bool
    total: int


EMPTY = ListResult([], False, 0)


def _limit_error(field: str) -> dict[str, str]:
    return {"message": f"The {field} must be an integer between 1 and {MAX_LIMIT}.",
            "rule": "invalid"}  # fmt: skip


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """Validate the list parameters; all failures are reported together, keyed by parameter."""
    errors: FieldErrors = {}

    limit = DEFAULT_LIMIT
    raw_limit = params.get("limit")
    if raw_limit is not None and raw_limit.strip() != "":
        value = raw_limit.strip()
        if not _INTEGER.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
            errors["limit"] = _limit_error("limit")
        else:
            limit = int(value)

    sort: SortField = "date_added"
    raw_sort = params.get("sortBy")
    if raw_sort:
        if raw_sort in SORT_FIELDS:
            sort = raw_sort
        else:
            errors["sortBy"] = {"message": "The selected sortBy is invalid. Allowed: "
                                "date_added, date_updated.", "rule": "invalid"}  # fmt: skip

    order: Order = "desc"
    raw_order = params.get("order")
    if raw_order:
        if raw_order.lower() in ORDERS:
            order = raw_order.lower()  # type: ignore[assignment]
        else:
            errors["order"] = {"message": "The selected order is invalid. Allowed: asc, desc.",
                               "rule": "invalid"}  # fmt: skip

    page: int | None = None
    raw_page = params.get("page")
    if raw_page is not None and raw_page.strip() != "":
        value = raw_page.strip()
        if not _INTEGER.fullmatch(value) or int(value) < 1:
            errors["page"] = {"message": "The page must be an integer of at least 1.",
                              "rule": "invalid"}  # fmt: skip
        else:
            page = int(value)

    start_after: Decimal | None = None
    raw_start = params.get("startAfter")
    if raw_start is not None and raw_start.strip() != "":
        value = raw_start.strip()
        try:
            if not _DECIMAL.fullmatch(value):
                raise InvalidOperation
            start_after = Decimal(value)
        except InvalidOperation:
            errors["startAfter"] = {"message": "The startAfter must be a timestamp in epoch "
                                    "milliseconds.", "rule": "invalid"}  # fmt: skip
    start_after_id = (params.get("startAfterId") or "").strip() or None

    text: str | None = None
    raw_query = params.get("query")
    if raw_query is not None and raw_query.strip():
        text = raw_query.strip().lower()
        if len(text) > MAX_QUERY_LENGTH:
            errors["query"] = {"message": f"The query may not be greater than "
                               f"{MAX_QUERY_LENGTH} characters.", "rule": "max"}  # fmt: skip
        elif "\x00" in text:
            errors["query"] = {"message": "The query must not contain NUL characters.",
                               "rule": "invalid"}  # fmt: skip

    if errors:
        raise ValidationFailed(errors)

    digits = None
    if text is not None and _PHONE_SHAPED.fullmatch(text):
        digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())

    cursor = None
    if start_after is not None:
        cursor = _cursor(start_after, start_after_id, order)
        start_after_id = None
    return ListQuery(text, digits, sort, order, limit, page, cursor, start_after_id)


def _cursor(value: Decimal, contact_id: str | None, order: Order) -> Cursor:
    """A whole millisecond keeps the id as tie-breaker. A fraction lies strictly between two
    whole milliseconds: past it (descending, 100.5) is past the one behind it (< 101)."""
    if value == value.to_integral_value():
        return Cursor(int(value), contact_id)
    if order == "desc":
        return Cursor(int(value.to_integral_value(rounding=ROUND_FLOOR)) + 1, None)
    return Cursor(int(value.to_integral_value(rounding=ROUND_CEILING)) - 1, None)


class _Args:
    """Positional arguments for `$n` placeholders, numbered as they are added."""

    def __init__(self, *initial: Any) -> None:
        self.values: list[Any] = list(initial)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def location_token(k: int) -> str:
    """The FTS5 token of location number k (as migration 0002's triggers compute it)."""
    return "".join(
        chr(TOKEN_BASE + digit)
        for digit in ((k // TOKEN_RADIX**2) % TOKEN_RADIX, (k // TOKEN_RADIX) % TOKEN_RADIX,
                      k % TOKEN_RADIX)
    )  # fmt: skip


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(text: str) -> str:
    """A quoted FTS5 phrase: user input never becomes FTS syntax."""
    return '"' + text.replace('"', '""') + '"'


def _indexable(q: ListQuery) -> bool:
    assert q.text is not None
    return len(q.text) >= MIN_INDEXED_LENGTH and (
        q.digits is None or len(q.digits) >= MIN_INDEXED_LENGTH
    )


_COLUMNS = ", ".join(f"c.{col}" for col in COLUMNS)


class _Sql:
    """The pieces every plan shares: cursor, order, page window."""

    def __init__(self, q: ListQuery, location_id: str) -> None:
        self.q = q
        self.location_id = location_id

    def cursor(self, args: _Args, alias: str = "c") -> str:
        cursor = self.q.cursor
        if cursor is None:
            return ""
        op = "<" if self.q.order == "desc" else ">"
        column = f"{alias}.{self.q.sort}"
        if cursor.contact_id is None:
            return f" AND {column} {op} {args.add(cursor.value)}"
        value, contact_id = args.add(cursor.value), args.add(cursor.contact_id)
        return f" AND ({column}, {alias}.id) {op} ({value}, {contact_id})"

    def order_by(self, alias: str = "c") -> str:
        direction = "DESC" if self.q.order == "desc" else "ASC"
        return f" ORDER BY {alias}.{self.q.sort} {direction}, {alias}.id {direction}"

    def window(self, args: _Args) -> str:
        """One row more than the page: whether a next page exists, without counting."""
        sql = f" LIMIT {args.add(self.q.limit + 1)}"
        if self.q.page is not None and self.q.cursor is None:
            sql += f" OFFSET {args.add((self.q.page - 1) * self.q.limit)}"
        return sql

    def walk(self, args: _Args, condition: str = "", indexed_by: str = "") -> str:
        """The page, read along the location's sort index, testing `condition`."""
        return (
            f"SELECT {_COLUMNS} FROM contacts c{indexed_by} WHERE c.location_id = $1"
            f"{self.cursor(args)}{condition}{self.order_by()}{self.window(args)}"
        )


def _page(q: ListQuery, rows: list[Row], total: int) -> ListResult:
    return ListResult(rows[: q.limit], len(rows) > q.limit, total)


async def _sqlite_list(conn: Connection, location_id: str, q: ListQuery) -> ListResult:
    location = await conn.fetch_one(
        "SELECT k, contacts FROM contacts_fts_locations WHERE location_id = $1", location_id
    )
    if location is None:
        return EMPTY
    size, sql, args = int(location["contacts"]), _Sql(q, location_id), _Args(location_id)
    if q.text is None:
        return _page(q, await conn.fetch_all(sql.walk(args), *args.values), size)
    if not _indexable(q):
        test = f"instr(c.search_text, {args.add(q.text)}) > 0"
        if q.digits:
            test += f" OR instr(c.search_phone, {args.add(q.digits)}) > 0"
        total = await conn.fetch_value(
            f"SELECT count(*) FROM contacts c WHERE c.location_id = $1 AND ({test})",
            *args.values,
        )
        rows = await conn.fetch_all(sql.walk(args, f" AND ({test})"), *args.values)
        return _page(q, rows, int(total))

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
        return _page(q, rows, total)
    # CROSS JOIN keeps the index as the outer loop; only the keys are sorted.
    keys = (
        f"SELECT c.rowid AS rid, c.{q.sort}, c.id FROM contacts_fts f"
        " CROSS JOIN contacts c ON c.rowid = f.rowid"
        f" WHERE contacts_fts MATCH {args.add(match)} AND c.location_id = $1"
        f"{sql.cursor(args)}{sql.order_by()}{sql.window(args)}"
    )
    page_sql = (
        f"SELECT {_COLUMNS} FROM ({keys}) p CROSS JOIN contacts c ON c.rowid = p.rid"
        f"{sql.order_by('p')}"
    )
    return _page(q, await conn.fetch_all(page_sql, *args.values), total)


async def _postgres_list(conn: Connection, location_id: str, q: ListQuery) -> ListResult:
    sql, args = _Sql(q, location_id), _Args(location_id)
    # Kept by triggers (migration 0002): counting a large location's index is slow.
    size = int(
        await conn.fetch_value(
            "SELECT coalesce(sum(contacts), 0) FROM contacts_fts_locations WHERE location_id = $1",
            location_id,
        )
    )
    if q.text is None:
        return _page(q, await conn.fetch_all(sql.walk(args), *args.values), size)
    if _indexable(q) and size > SMALL_LOCATION:
        # A generic plan cannot see the pattern, so it cannot tell a term the GIN index
        # narrows from one most contacts match: plan each search for its pattern.
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        test = f"c.search_text LIKE {args.add(_like_pattern(q.text))}"
        if q.digits:
            test += f" OR c.search_phone LIKE {args.add(_like_pattern(q.digits))}"
    else:
        test = f"strpos(c.search_text, {args.add(q.text)}) > 0"
        if q.digits:
            test += f" OR strpos(c.search_phone, {args.add(q.digits)}) > 0"
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
        f"SELECT {_COLUMNS}, p.total FROM ({page_keys}) p"
        f" JOIN contacts c ON c.location_id = $1 AND c.id = p.id{sql.order_by('p')}"
    )
    rows = await conn.fetch_all(page_sql, *args.values)
    if rows:
        return _page(q, rows, int(rows[0]["total"]))
    # Past the last match (a hand-made cursor or page): the total still counts them all.
    total = await conn.fetch_value(f"SELECT count(*) FROM ({keys}) c", *key_args)
    return _page(q, rows, int(total))


async def _resolve_start_after_id(conn: Connection, location_id: str, q: ListQuery) -> ListQuery:
    """`startAfterId` alone: continue after that contact, wherever it sits now."""
    if q.start_after_id is None:
        return q
    value = await conn.fetch_value(
        f"SELECT {q.sort} FROM contacts WHERE location_id = $1 AND id = $2",
        location_id,
        q.start_after_id,
    )
    if value is None:
        raise unknown_id("startAfterId", "contact")
    return ListQuery(q.text, q.digits, q.sort, q.order, q.limit, q.page,
                     Cursor(int(value), q.start_after_id), None)  # fmt: skip


async def list_contacts(conn: Connection, location_id: str, q: ListQuery) -> ListResult:
    q = await _resolve_start_after_id(conn, location_id, q)
    if conn.dialect == "sqlite":
        return await _sqlite_list(conn, location_id, q)
    return await _postgres_list(conn, location_id, q)
