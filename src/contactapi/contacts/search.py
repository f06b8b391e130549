"""List and search: the query's parameters, checked, and the page by the database's own plan
(`db/search/`: SQLite's FTS5 trigram index, PostgreSQL's pg_trgm).

Pages are keyset pages on (sort value, id): a page starts strictly after the cursor, so a
walk visits every contact that exists throughout it exactly once, whatever else is written
meanwhile, and a deep page costs what the first one does. A query under three characters (no
trigram to look up) scans the location, testing each search document.
"""

from __future__ import annotations

from collections.abc import Mapping

from contactapi.contacts.repository import COLUMNS
from contactapi.db.engine import Connection
from contactapi.db.search.query import EMPTY, Cursor, ListQuery, ListResult, Order, SortField
from contactapi.db.search.words import FIELD_SEPARATOR
from contactapi.listing import parse_position, parse_query_text, resolve_start_after_id
from contactapi.validation import Errors

__all__ = ["Cursor", "ListQuery", "ListResult", "list_contacts", "parse_list_query"]

SORT_FIELDS: tuple[SortField, ...] = ("date_added", "date_updated")
ORDERS: tuple[Order, ...] = ("desc", "asc")


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """Validate the list parameters; all failures are reported together, keyed by parameter."""
    errors = Errors()

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

    position = parse_position(params, order, errors)

    text, digits = parse_query_text(params, errors)
    errors.raise_any()

    return ListQuery(text, digits, sort, order, position.limit, position.page, position.cursor,
                     position.start_after_id)  # fmt: skip


_PAGE_COLUMNS = ", ".join(f"c.{col}" for col in COLUMNS)


async def list_contacts(conn: Connection, location_id: str, q: ListQuery) -> ListResult:
    """A page of the location's contacts, by the database's own search plan."""
    q = await resolve_start_after_id(conn, location_id, q, "contacts", "contact")
    if q.text is not None and FIELD_SEPARATOR in q.text:
        return EMPTY  # no field holds it: it only separates fields in the search document
    return await conn.dialect.list_contacts(conn, location_id, q, _PAGE_COLUMNS)
