"""Kept search counts (migration 0020): the exact total of a query many rows match, kept as
writes happen instead of counted again at every page.

A search whose total reaches `KEEP_FROM` asks, once it has answered, for its query to be kept
(in the background: nothing waits). Triggers then add each write's net change to the count of
every kept query its rows match (a substring of the search document, as `query` is, within
the query's pipeline, status and stage). Readers sum a query's rows in their own snapshot, so a
page and its total agree. What makes the kept count exact is that each write is counted
exactly once, either by the registration's count or as a change after it:

- PostgreSQL (contacts and opportunities): the registration takes the location's kept-count
  lock exclusively, then counts in a statement begun after it. Each write's trigger takes the
  same lock shared before it reads the kept queries. So a write is either committed before the
  count (counted), or reads the query after the registration commits (adds its change). The
  triggers refuse a write outside READ COMMITTED, whose older snapshot could miss the query.
  The registration waits at most `LOCK_TIMEOUT_MS` for writes in flight, else gives up; the
  next large search asks again.
- SQLite (opportunities; contacts' totals come from their FTS5 indexes in a few ms): writers
  take turns, so no write is in flight. The query is added first, without a count; from that
  commit on, every write adds its change. Then one snapshot reads both the count and the
  changes added so far, and the base is their difference, stored under the write lock: the
  count in SQL never waits for a write, and no write waits for a count.

A location keeps at most `MAX_KEPT` queries (each costs its writes a substring test): past
that, the oldest goes. A query is used once its base is stored (shard -1).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass
from functools import partial
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from contactapi.db.engine import Connection, Database

# The advisory lock's class: its first key (the second is hashtext(location_id)). A two-key
# lock never meets the one-key locks of `db/locks.py`.
LOCK_CLASS = 20020
# A query whose total reaches this is kept: fewer matches are counted in a few milliseconds.
KEEP_FROM = 5_000
MAX_KEPT = 32
LOCK_TIMEOUT_MS = 200
_BASE = -1

# The exact total, or None where it cannot be counted this way.
Counter = Callable[["Connection"], Awaitable[int | None]]


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


async def total(conn: Connection, query: KeptQuery, count: Counter) -> int | None:
    """The query's total: its kept count, or `count`'s (then kept, if large)."""
    kept = await conn.fetch_value(
        "SELECT sum(c.matches) FROM search_kept_queries q JOIN search_kept_counts c"
        " ON c.location_id = q.location_id AND c.query_id = q.id"
        f" WHERE q.{_KEY.replace(' AND ', ' AND q.')} GROUP BY q.id HAVING min(c.shard) = -1",
        *astuple(query),
    )
    if kept is not None:
        return int(kept)
    counted = await count(conn)
    if counted is not None and counted >= KEEP_FROM:
        keep = _keep_sqlite if conn.dialect.name == "sqlite" else _keep_postgres
        conn.in_background(partial(keep, query, count))
    return counted


async def _keep_postgres(query: KeptQuery, count: Counter, db: Database) -> None:
    await db.run(partial(_count_under_lock, query, count), write=True)


async def _count_under_lock(query: KeptQuery, count: Counter, conn: Connection) -> None:
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
    if counted is not None:
        query_id = await _add(conn, query)
        await _store_base(conn, query.location_id, query_id, counted)


async def _keep_sqlite(query: KeptQuery, count: Counter, db: Database) -> None:
    query_id: int | None = await db.run(partial(_add_unless_based, query), write=True)
    if query_id is None:
        return
    counted: tuple[int | None, int] = await db.run(
        partial(_count_with_changes, query.location_id, query_id, count),
        write=False,
        snapshot=True,
    )
    if counted[0] is not None:
        base = counted[0] - counted[1]
        await db.run(partial(_store_base, query_id=query_id, location_id=query.location_id,
                             matches=base), write=True)  # fmt: skip


async def _add_unless_based(query: KeptQuery, conn: Connection) -> int | None:
    """The query's id, added now, or added before but not given its base (by a process that
    stopped, or one still at it: either base is right, the first stored stays)."""
    found = await conn.fetch_one(
        "SELECT q.id, EXISTS (SELECT 1 FROM search_kept_counts c WHERE c.location_id ="
        f" q.location_id AND c.query_id = q.id AND c.shard = {_BASE}) AS based"
        f" FROM search_kept_queries q WHERE q.{_KEY.replace(' AND ', ' AND q.')}",
        *astuple(query),
    )
    if found is None:
        return await _add(conn, query)
    return None if found["based"] else int(found["id"])


async def _count_with_changes(
    location_id: str, query_id: int, count: Counter, conn: Connection
) -> tuple[int | None, int]:
    """In one snapshot: the count, and the changes the triggers added up to it."""
    changes = await conn.fetch_value(
        "SELECT coalesce(sum(matches), 0) FROM search_kept_counts"
        " WHERE location_id = $1 AND query_id = $2",
        location_id,
        query_id,
    )
    return await count(conn), int(changes)


async def _add(conn: Connection, query: KeptQuery) -> int:
    """Adds the query, and takes out the location's oldest past `MAX_KEPT`."""
    query_id = int(
        await conn.fetch_value(
            "INSERT INTO search_kept_queries"
            " (location_id, kind, text, pipeline_id, status, stage_id)"
            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            *astuple(query),
        )
    )
    # The newest past the limit: it and every older one go.
    last_gone = (
        "(SELECT id FROM search_kept_queries WHERE location_id = $1"
        " ORDER BY id DESC LIMIT 1 OFFSET $2)"
    )
    await conn.execute(
        f"DELETE FROM search_kept_counts WHERE location_id = $1 AND query_id <= {last_gone}",
        query.location_id,
        MAX_KEPT,
    )
    await conn.execute(
        f"DELETE FROM search_kept_queries WHERE location_id = $1 AND id <= {last_gone}",
        query.location_id,
        MAX_KEPT,
    )
    return query_id


async def _store_base(conn: Connection, location_id: str, query_id: int, matches: int) -> None:
    """The count at registration, unless the query went meanwhile (or has one already)."""
    await conn.execute(
        "INSERT INTO search_kept_counts (location_id, query_id, shard, matches)"
        f" SELECT CAST($1 AS VARCHAR(20)), CAST($2 AS BIGINT), {_BASE}, CAST($3 AS BIGINT)"
        " WHERE EXISTS (SELECT 1 FROM search_kept_queries"
        " WHERE location_id = $1 AND id = $2) ON CONFLICT DO NOTHING",
        location_id,
        query_id,
        matches,
    )


async def forget_location(conn: Connection, location_id: str) -> None:
    """A purged location's kept queries and counts."""
    await conn.execute("DELETE FROM search_kept_counts WHERE location_id = $1", location_id)
    await conn.execute("DELETE FROM search_kept_queries WHERE location_id = $1", location_id)
