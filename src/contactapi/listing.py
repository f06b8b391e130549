"""v1's cursor, read once for every keyset list (contacts, opportunities): `limit`, `page`
(deprecated), `startAfter` (epoch ms of the sort value, integer or decimal) and
`startAfterId`; `query`; and `startAfterId` alone resolved to that row's own position.

Pages are keyset pages on (sort value, id) (`db/search/query.py`): a page starts strictly
after the cursor, so a walk visits every row that exists throughout it exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import TypeVar

from contactapi.db.engine import Connection
from contactapi.db.search.query import Cursor, Keyset, Order
from contactapi.errors import unknown_id
from contactapi.validation import Errors

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 255
_BLANKS = " \t\r\n"
_PHONE_SHAPED = re.compile(r"[0-9()+\-.\s]*[0-9][0-9()+\-.\s]*")
_DECIMAL = re.compile(r"[0-9]{1,16}(\.[0-9]{1,6})?")
_INTEGER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class Position:
    limit: int
    page: int | None
    cursor: Cursor | None
    # `startAfterId` without `startAfter`: the cursor is that row's own position.
    start_after_id: str | None


def parse_position(params: Mapping[str, str], order: Order, errors: Errors) -> Position:
    """The page's position; failures are filed in `errors`, keyed by parameter."""
    limit = DEFAULT_LIMIT
    raw_limit = params.get("limit")
    if raw_limit is not None and raw_limit.strip() != "":
        value = raw_limit.strip()
        if not _INTEGER.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
            errors.add("limit", f"The limit must be an integer between 1 and {MAX_LIMIT}.")
        else:
            limit = int(value)

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
    if start_after is None:
        return Position(limit, page, None, start_after_id)
    return Position(limit, page, _cursor(start_after, start_after_id, order), None)


def _cursor(value: Decimal, row_id: str | None, order: Order) -> Cursor:
    """A whole millisecond keeps the id as tie-breaker. A fraction lies strictly between two
    whole milliseconds: past it (descending, 100.5) is past the one behind it (< 101)."""
    if value == value.to_integral_value():
        return Cursor(int(value), row_id)
    if order == "desc":
        return Cursor(int(value.to_integral_value(rounding=ROUND_FLOOR)) + 1, None)
    return Cursor(int(value.to_integral_value(rounding=ROUND_CEILING)) - 1, None)


def parse_query_text(params: Mapping[str, str], errors: Errors) -> tuple[str | None, str | None]:
    """`query`, lower-cased as the search documents are, and the digits of a phone-shaped one
    (`888-732` -> `888732`), matched against phones' digits."""
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
    digits = None
    if text is not None and _PHONE_SHAPED.fullmatch(text):
        digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    return text, digits


Q = TypeVar("Q", bound=Keyset)


async def resolve_start_after_id(
    conn: Connection, location_id: str, q: Q, table: str, kind: str
) -> Q:
    """`startAfterId` alone: continue after that row of `table`, wherever it sits now; a 422
    keyed `startAfterId` when the location has no such row."""
    if q.start_after_id is None:
        return q
    value = await conn.fetch_value(
        f"SELECT {q.sort} FROM {table} WHERE location_id = $1 AND id = $2",
        location_id,
        q.start_after_id,
    )
    if value is None:
        raise unknown_id("startAfterId", kind)
    return replace(q, cursor=Cursor(int(value), q.start_after_id), start_after_id=None)  # type: ignore[type-var]
