"""Kept search counts (PostgreSQL, migration 0020): the exact total of a query many rows
match, kept as writes happen instead of counted again from its postings at every page.

A search whose total reaches `KEEP_FROM` asks, after it has answered, for its query to be kept:
a background transaction takes the location's kept-count lock exclusively, counts the query,
and stores the count. Every write of `contacts` or `opportunities` takes the same lock shared,
in its statement trigger, before it reads the location's kept queries and adds its net change
to the count of each its rows match. So a write is either done when the registration counts
(in the count), or reads the kept query after the registration commits (adds its change): never
both, never neither. Readers sum the count's rows in their own snapshot, so a page and its
total still agree. The trigger refuses a write outside READ COMMITTED, whose older snapshot
could miss a query kept after it began.

A registration waits at most `LOCK_TIMEOUT_MS` for the location's writes in flight and is
given up otherwise; the next large search asks again. A location keeps at most `MAX_KEPT`
queries (each costs its writes a substring test): past that, the oldest goes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass
from functools import partial
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# The advisory lock's class: its first key (the second is hashtext(location_id)). A two-key
# lock never meets the one-key locks of `db/locks.py`.
LOCK_CLASS = 20020
# A query whose total reaches this is kept: fewer postings are counted in a few milliseconds.
KEEP_FROM = 5_000
MAX_KEPT = 32
LOCK_TIMEOUT_MS = 200

Counter = Callable[["Connection"], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class KeptQuery:
    location_id: str
    # `c` a location's contacts; `o` a pipeline's opportunities, of the status and stage given.
    kind: str
    text: str
    pipeline_id: str = ""
    status: str = ""
    stage_id: str = ""


_KEY = (
    "location_id = $1 AND kind = $2 AND text = $3 AND pipeline_id = $4 AND status = $5"
    " AND stage_id = $6"
)


async def total(conn: Connection, query: KeptQuery, count: Counter) -> int:
    """The query's total: its kept count, or `count`'s (then kept, if large)."""
    kept = await conn.fetch_value(
        "SELECT sum(c.matches) FROM search_kept_queries q JOIN search_kept_counts c"
        " ON c.location_id = q.location_id AND c.query_id = q.id"
        f" WHERE q.{_KEY.replace(' AND ', ' AND q.')}",
        *astuple(query),
    )
    if kept is not None:
        return int(kept)
    counted = await count(conn)
    if counted >= KEEP_FROM:
        conn.run_later(partial(_keep, query, count))
    return counted


async def _keep(query: KeptQuery, count: Counter, conn: Connection) -> None:
    await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
    try:
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", LOCK_CLASS, query.location_id
        )
    except asyncpg.LockNotAvailableError:
        return  # writes in flight: given up (the COMMIT of the failed transaction rolls back)
    if await conn.fetch_value(f"SELECT 1 FROM search_kept_queries WHERE {_KEY}", *astuple(query)):
        return  # kept meanwhile, by another process
    # Under the lock, in a statement begun after it: every write it waited for is counted.
    counted = await count(conn)
    query_id = await conn.fetch_value(
        "INSERT INTO search_kept_queries (location_id, kind, text, pipeline_id, status, stage_id)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        *astuple(query),
    )
    await conn.execute(
        "INSERT INTO search_kept_counts (location_id, query_id, shard, matches)"
        " VALUES ($1, $2, -1, $3)",
        query.location_id,
        query_id,
        counted,
    )
    await conn.execute(
        "WITH gone AS (DELETE FROM search_kept_queries WHERE location_id = $1 AND id IN ("
        "   SELECT id FROM search_kept_queries WHERE location_id = $1"
        "   ORDER BY id DESC OFFSET $2) RETURNING id)"
        " DELETE FROM search_kept_counts WHERE location_id = $1"
        " AND query_id IN (SELECT id FROM gone)",
        query.location_id,
        MAX_KEPT,
    )


async def forget_location(conn: Connection, location_id: str) -> None:
    """A purged location's kept queries and counts."""
    await conn.execute("DELETE FROM search_kept_counts WHERE location_id = $1", location_id)
    await conn.execute("DELETE FROM search_kept_queries WHERE location_id = $1", location_id)
