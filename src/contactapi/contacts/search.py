"""List and search: query parsing, keyset cursors, and the SQL per plan and dialect.

Pages are keyset pages on (sort value, id): a page starts strictly after the cursor, so a
walk visits every contact that exists throughout it exactly once, whatever else is written
meanwhile, and a deep page costs what the first one does.

Three plans, picked per request (the choice never changes an answer, only its cost):
- `all`: no query; walk the location's sort index.
- `index`: the trigram index (SQLite FTS5, PostgreSQL pg_trgm GIN) yields the matches, which
  are then sorted; cost follows the number of matches.
- `scan`: walk the location's sort index and test each row's search document; for queries the
  index cannot serve (under 3 characters), and for small locations, where the index's matches
  from other locations (it cannot filter by location) would cost more than the scan.
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
Plan = Literal["all", "index", "scan"]

SORT_FIELDS: tuple[SortField, ...] = ("date_added", "date_updated")
ORDERS: tuple[Order, ...] = ("desc", "asc")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 255
# Trigram indexes match nothing shorter than a trigram.
MIN_INDEXED_LENGTH = 3
# Up to this many contacts a location is scanned rather than searched through the index: a
# scan costs about a microsecond a row, the index about as much per match in any location.
SMALL_LOCATION = 5_000

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
    # Matches that come before this page's cursor (0 without one).
    skipped: int


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


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(text: str) -> str:
    """A quoted FTS5 phrase: user input never becomes FTS syntax."""
    return '"' + text.replace('"', '""') + '"'


class ListSql:
    """The SQL of one list request: its page query and its count query."""

    def __init__(self, q: ListQuery, plan: Plan, conn: Connection, location_id: str) -> None:
        self.q = q
        self.plan = plan
        self.dialect = conn.dialect
        self.location_id = location_id

    def _cursor_condition(self, args: _Args, alias: str) -> str:
        cursor = self.q.cursor
        assert cursor is not None
        op = "<" if self.q.order == "desc" else ">"
        column = f"{alias}.{self.q.sort}"
        if cursor.contact_id is None:
            return f"{column} {op} {args.add(cursor.value)}"
        return (
            f"({column}, {alias}.id) {op} ({args.add(cursor.value)}, {args.add(cursor.contact_id)})"
        )

    def _source(self, args: _Args) -> str:
        """FROM and WHERE: the location's matches, as rows `c` of contacts."""
        q = self.q
        if self.plan == "index" and self.dialect == "sqlite":
            assert q.text is not None
            match = f"search_text : {_fts_phrase(q.text)}"
            if q.digits:
                match += f" OR search_phone : {_fts_phrase(q.digits)}"
            # CROSS JOIN keeps the FTS match as the outer loop: matches, then their rows.
            return (
                "FROM contacts_fts f CROSS JOIN contacts c ON c.rowid = f.rowid"
                f" WHERE contacts_fts MATCH {args.add(match)} AND c.location_id = $1"
            )
        where = "FROM contacts c WHERE c.location_id = $1"
        if q.text is None:
            return where
        if self.plan == "index":
            text_test = f"c.search_text LIKE {args.add(_like_pattern(q.text))}"
            phone_test = (
                f"c.search_phone LIKE {args.add(_like_pattern(q.digits))}" if q.digits else ""
            )
        else:
            find = "instr" if self.dialect == "sqlite" else "strpos"
            text_test = f"{find}(c.search_text, {args.add(q.text)}) > 0"
            phone_test = f"{find}(c.search_phone, {args.add(q.digits)}) > 0" if q.digits else ""
        return f"{where} AND ({text_test}{' OR ' + phone_test if phone_test else ''})"

    def page(self) -> tuple[str, list[Any]]:
        q = self.q
        args = _Args(self.location_id)
        source = self._source(args)
        if q.cursor is not None:
            source += f" AND {self._cursor_condition(args, 'c')}"
        direction = "DESC" if q.order == "desc" else "ASC"
        order_by = f"ORDER BY {{0}}.{q.sort} {direction}, {{0}}.id {direction}"
        window = f"LIMIT {args.add(q.limit + 1)}"
        if q.page is not None and q.cursor is None:
            window += f" OFFSET {args.add((q.page - 1) * q.limit)}"
        columns = ", ".join(f"c.{col}" for col in COLUMNS)
        if self.plan == "index" and self.dialect == "sqlite":
            # Sort only the keys of the matches, then read the page's rows.
            keys = (
                f"SELECT c.rowid AS rid, c.{q.sort}, c.id {source} {order_by.format('c')} {window}"
            )
            sql = (
                f"SELECT {columns} FROM ({keys}) p CROSS JOIN contacts c ON c.rowid = p.rid"
                f" {order_by.format('p')}"
            )
        else:
            sql = f"SELECT {columns} {source} {order_by.format('c')} {window}"
        return sql, args.values

    def count(self) -> tuple[str, list[Any]]:
        """The matches, and how many of them lie past the cursor: one pass for both."""
        args = _Args(self.location_id)
        source = self._source(args)
        past = "count(*)"
        if self.q.cursor is not None:
            past = f"count(*) FILTER (WHERE {self._cursor_condition(args, 'c')})"
        return f"SELECT count(*) AS total, {past} AS past {source}", args.values


async def _location_is_small(conn: Connection, location_id: str) -> bool:
    size = await conn.fetch_value(
        "SELECT count(*) FROM (SELECT 1 FROM contacts WHERE location_id = $1 LIMIT $2) AS t",
        location_id,
        SMALL_LOCATION + 1,
    )
    return int(size) <= SMALL_LOCATION


async def choose_plan(conn: Connection, location_id: str, q: ListQuery) -> Plan:
    if q.text is None:
        return "all"
    indexable = len(q.text) >= MIN_INDEXED_LENGTH and (
        q.digits is None or len(q.digits) >= MIN_INDEXED_LENGTH
    )
    if not indexable or await _location_is_small(conn, location_id):
        return "scan"
    return "index"


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
    plan = await choose_plan(conn, location_id, q)
    if plan == "index" and conn.dialect == "postgresql":
        # A generic plan cannot see the pattern, so it cannot tell the GIN index's few
        # matches from a common term's many: plan each search for its own pattern.
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    sql = ListSql(q, plan, conn, location_id)
    page_sql, page_args = sql.page()
    rows = await conn.fetch_all(page_sql, *page_args)
    has_more = len(rows) > q.limit
    rows = rows[: q.limit]
    count_sql, count_args = sql.count()
    counts = await conn.fetch_one(count_sql, *count_args)
    assert counts is not None
    total, past = int(counts["total"]), int(counts["past"])
    offset_paged = q.page is not None and q.cursor is None
    skipped = (q.page or 1) * q.limit - q.limit if offset_paged else total - past
    return ListResult(rows, has_more, total, skipped)
