"""The `meta` of v1's keyset lists (contacts, opportunities): one implementation for both."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

from contactapi.db.search.query import Keyset, ListResult
from contactapi.web.http import public_origin

# Replaced in the next page's URL; every other parameter is kept as sent.
_POSITION_PARAMS = frozenset({"startAfter", "startAfterId", "page"})


def page_meta(request: Request, query: Keyset, result: ListResult) -> dict[str, Any]:
    """The contract's meta. Page numbers are known from `page`, or on the first page; a walk
    that follows nextPageUrl stays numbered because the URL carries the next page's number
    (the cursor, not the number, positions it). A hand-made cursor alone has no number."""
    last = result.rows[-1] if result.rows else None
    first_page = query.cursor is None and query.start_after_id is None
    current = query.page if query.page is not None else (1 if first_page else None)
    next_url = None
    if result.has_more and last is not None:
        params = [(k, v) for k, v in request.query_params.multi_items()
                  if k not in _POSITION_PARAMS]  # fmt: skip
        params += [("startAfter", str(last[query.sort])), ("startAfterId", last["id"])]
        if current is not None:
            params.append(("page", str(current + 1)))
        next_url = (
            f"{public_origin(request)}{request.url.path}?{urlencode(params, quote_via=quote)}"
        )
    return {
        "total": result.total,
        "nextPageUrl": next_url,
        "startAfterId": last["id"] if last is not None else None,
        "startAfter": int(last[query.sort]) if last is not None else None,
        "currentPage": current,
        "nextPage": current + 1 if current is not None and result.has_more else None,
        "prevPage": current - 1 if current is not None and current > 1 else None,
    }
