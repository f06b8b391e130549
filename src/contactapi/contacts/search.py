"""List and search: the query's parameters, checked, and the page by the database's own plan
(`db/search/`: SQLite's FTS5 trigram index, PostgreSQL's pg_trgm).

Pages are keyset pages on (sort value, id): a page starts strictly after the cursor, so a
walk visits every contact that exists throughout it exactly once, whatever else is written
meanwhile, and a deep page costs what the first one does. A query under three characters (no
trigram to look up) scans the location, testing each search document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from contactapi.contacts.document import FIELD_SEPARATOR
from contactapi.contacts.repository import COLUMNS
from contactapi.db.engine import Connection
from contactapi.db.search.query import EMPTY, Cursor, ListQuery, ListResult, Order, SortField
from contactapi.errors import unknown_id
from contactapi.validation import Errors

__all__ = ["Cursor", "ListQuery", "ListResult", "list_contacts", "parse_list_query"]

SORT_FIELDS: tuple[SortField, ...] = ("date_added", "date_updated")
ORDERS: tuple[Order, ...] = ("desc", "asc")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 255
_BLANKS = " \t\r\n"
_PHONE_SHAPED = re.compile(r"[0-9()+\-.\s]*[0-9][0-9()+\-.\s]*")
_DECIMAL = re.compile(r"[0-9]{1,16}(\.[0-9]{1,6})?")
_INTEGER = re.compile(r"[0-9]{1,9}")


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """Validate the list parameters; all failures are reported together, keyed by parameter."""
    errors = Errors()

    limit = DEFAULT_LIMIT
    raw_limit = params.get("limit")
    if raw_limit is not None and raw_limit.strip() != "":
        value = raw_limit.strip()
        if not _INTEGER.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
            errors.add("limit", f"The limit must be an integer between 1 and {MAX_LIMIT}.")
        else:
            limit = int(value)

    sort: SortField = "date_added"
    raw_sort = params.get("sortBy")
    if raw_sort:
        if raw_sort in SORT_FIELDS:
            sort = raw_sort
        else:
            errors.add(
                "sortBy",
                "The selected sortBy is invalid. Allowed: date_added, date_updated.",
                "invalid",
            )

    order: Order = "desc"
    raw_order = params.get("order")
    if raw_order:
        if raw_order.lower() in ORDERS:
            order = raw_order.lower()  # type: ignore[assignment]
        else:
            errors.add("order", "The selected order is invalid. Allowed: asc, desc.", "invalid")

    page: int | None = None
    raw_page = params.get("page")
    if raw_page is not None and raw_page.strip() != "":
        value = raw_page.strip()
        if not _INTEGER.fullmatch(value) or int(value) < 1:
            errors.add("page", "The page must be an integer of at least 1.", "invalid")
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
            errors.add(
                "startAfter", "The startAfter must be a timestamp in epoch milliseconds.", "invalid"
            )
    start_after_id = (params.get("startAfterId") or "").strip() or None

    text: str | None = None
    # Only blanks are trimmed: `str.strip()` would also drop control characters (the search
    # document's field separator among them), making `?query=%1F` no query at all.
    raw_query = (params.get("query") or "").strip(_BLANKS)
    if raw_query:
        text = raw_query.lower()
        if len(text) > MAX_QUERY_LENGTH:
            errors.add(
                "query", f"The query may not be greater than {MAX_QUERY_LENGTH} characters.", "max"
            )
        elif "\x00" in text:
            errors.add("query", "The query must not contain NUL characters.", "invalid")

    errors.raise_any()

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


_PAGE_COLUMNS = ", ".join(f"c.{col}" for col in COLUMNS)


async def list_contacts(conn: Connection, location_id: str, q: ListQuery) -> ListResult:
    """A page of the location's contacts, by the database's own search plan."""
    q = await _resolve_start_after_id(conn, location_id, q)
    if q.text is not None and FIELD_SEPARATOR in q.text:
        return EMPTY  # no field holds it: it only separates fields in the search document
    return await conn.dialect.list_contacts(conn, location_id, q, _PAGE_COLUMNS)
