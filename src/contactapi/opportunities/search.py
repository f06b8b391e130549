"""A pipeline's opportunities, newest first: v1's cursor and meta (shared with contacts:
`listing.py`, `db/search/query.py`, `web/pages.py`) and v1's filters.

Each equality filter has an index that leads with the location and ends with (createdAt, id),
so a page, first or deep, reads about `limit` index entries along it, testing the other
filters on the way. The total is exact: while the filters are only `status`, `stageId` and
`assignedTo` it is a sum of `opportunity_counts` rows (kept by triggers, migration 0008); any
other filter counts its matches along an index (its cost grows with what the filters match).
`query` matches the opportunity's name and its contact's search document (name, email,
company and tags as the contacts' `query` matches them, and the phone's digits), both on the
opportunity's row (migration 0011): a large location searches their index, and a small one (or
a query under three characters) is scanned (`db/search/opportunities.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from contactapi import validation as v
from contactapi.db.engine import Connection
from contactapi.db.search.opportunities import OpportunitySearch
from contactapi.db.search.query import Args, Cursor, ListResult, Order, PlanSql, page
from contactapi.listing import parse_position, parse_query_text, resolve_start_after_id
from contactapi.opportunities.repository import JOIN_CONTACT, WITH_CONTACT
from contactapi.opportunities.schemas import monetary_value, parse_status
from contactapi.validation import Errors

_EPOCH_MS = re.compile(r"[0-9]{1,15}")


@dataclass(frozen=True, slots=True)
class OpportunityQuery:
    limit: int
    page: int | None
    cursor: Cursor | None
    start_after_id: str | None
    text: str | None
    digits: str | None
    status: str | None
    stage_id: str | None
    assigned_to: str | None
    min_value: float | None
    start_date: int | None
    end_date: int | None
    sort: str = "created_at"
    order: Order = "desc"

    @property
    def counted(self) -> bool:
        """Whether the total is a sum of the kept counts (no filter but status, stage and
        user)."""
        return (self.text, self.min_value, self.start_date, self.end_date) == (None,) * 4


def _epoch_ms(field: str, value: str | None) -> int | None:
    raw = (value or "").strip()
    if not raw:
        return None
    if not _EPOCH_MS.fullmatch(raw):
        raise v.FieldInvalid(f"The {field} must be a timestamp in epoch milliseconds.")
    return int(raw)


def parse_opportunity_query(params: Mapping[str, str]) -> OpportunityQuery:
    """Every failing parameter in one 422, keyed by parameter."""
    errors = Errors()
    position = parse_position(params, "desc", errors)
    text, digits = parse_query_text(params, errors)
    status = errors.read("status", parse_status, params.get("status"))
    stage_id = errors.read("stageId", lambda k, raw: v.text(k, raw, 64), params.get("stageId"))
    assigned_to = errors.read("assignedTo", v.text, params.get("assignedTo"))
    min_value = errors.read("monetaryValue", monetary_value, params.get("monetaryValue"))
    start_date = errors.read("startDate", _epoch_ms, params.get("startDate"))
    end_date = errors.read("endDate", _epoch_ms, params.get("endDate"))
    errors.raise_any()
    return OpportunityQuery(position.limit, position.page, position.cursor,
                            position.start_after_id, text, digits, status, stage_id,
                            assigned_to, min_value, start_date, end_date)  # fmt: skip


def _filters(q: OpportunityQuery, args: Args, walk: bool) -> str:
    """The WHERE conditions past the location ($1) and pipeline ($2), but `query`'s. The
    pipeline test is kept off the index when a stage is given (`|| ''`): the stage's own index
    then drives the walk; so is the minimum value when a page `walk`s (`+ 0`), which reads the
    createdAt order, where a count reads the value's own index."""
    pipeline = "o.pipeline_id || '' = $2" if q.stage_id is not None else "o.pipeline_id = $2"
    sql = f" AND {pipeline}"
    for column, value in (("stage_id", q.stage_id), ("status", q.status),
                          ("assigned_to", q.assigned_to)):  # fmt: skip
        if value is not None:
            sql += f" AND o.{column} = {args.add(value)}"
    if q.min_value is not None:
        value = "o.monetary_value + 0" if walk else "o.monetary_value"
        sql += f" AND {value} >= {args.add(q.min_value)}"
    if q.start_date is not None:
        sql += f" AND o.created_at >= {args.add(q.start_date)}"
    if q.end_date is not None:
        sql += f" AND o.created_at <= {args.add(q.end_date)}"
    return sql


def _scan_filters(conn: Connection, q: OpportunityQuery, args: Args, walk: bool) -> str:
    """`_filters`, and `query` tested on each row the scan reads (its name and its contact's
    documents, copied onto it)."""
    sql = _filters(q, args, walk)
    if q.text is None:
        return sql
    contains, text = conn.dialect.contains, args.add(q.text)
    tests = [contains("o.search_text", text), contains("o.contact_search_text", text)]
    if q.digits:
        tests.append(contains("o.contact_search_phone", args.add(q.digits)))
    return f"{sql} AND ({' OR '.join(tests)})"


async def _total(conn: Connection, q: OpportunityQuery, location_id: str, pipeline_id: str) -> int:
    args = Args(location_id, pipeline_id)
    if q.counted:
        sql = "SELECT coalesce(sum(opportunities), 0) FROM opportunity_counts" \
              " WHERE location_id = $1 AND pipeline_id = $2"  # fmt: skip
        for column, value in (("stage_id", q.stage_id), ("status", q.status),
                              ("assigned_to", q.assigned_to)):  # fmt: skip
            if value is not None:
                sql += f" AND {column} = {args.add(value)}"
        return int(await conn.fetch_value(sql, *args.values))
    condition = _scan_filters(conn, q, args, walk=False)
    sql = f"SELECT count(*) FROM opportunities o WHERE o.location_id = $1{condition}"
    return int(await conn.fetch_value(sql, *args.values))


async def list_opportunities(
    conn: Connection, location_id: str, pipeline_id: str, q: OpportunityQuery
) -> ListResult:
    """A page of the pipeline's opportunities matching `q`, each with its contact's columns,
    and the total of matches (one snapshot: the endpoint's)."""
    q = await resolve_start_after_id(conn, location_id, q, "opportunities", "opportunity")
    if q.text is not None:
        pipeline_only = (q.status, q.stage_id, q.assigned_to, q.min_value, q.start_date,
                         q.end_date) == (None,) * 6  # fmt: skip
        others = (q.assigned_to, q.min_value, q.start_date, q.end_date) == (None,) * 4
        word_filters = tuple(
            (column, value)
            for column, value in (("status", q.status), ("stage_id", q.stage_id))
            if value is not None
        )
        search = OpportunitySearch(
            location_id, pipeline_id, q, WITH_CONTACT, JOIN_CONTACT,
            lambda args, walk: _filters(q, args, walk), pipeline_only,
            word_filters if others else None,
        )  # fmt: skip
        found = await conn.dialect.search_opportunities(conn, search)
        if found is not None:
            return found
    plan, args = PlanSql(q, WITH_CONTACT), Args(location_id, pipeline_id)
    condition = _scan_filters(conn, q, args, walk=True)
    rows = await conn.fetch_all(
        f"SELECT {WITH_CONTACT} FROM opportunities o{JOIN_CONTACT} WHERE o.location_id = $1"
        f"{condition}{plan.cursor(args, 'o')}{plan.order_by('o')}{plan.window(args)}",
        *args.values,
    )
    return page(q, rows, await _total(conn, q, location_id, pipeline_id))
