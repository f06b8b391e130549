"""Kept search counts (migration 0020): the exact total of a query many rows match, kept as
writes happen instead of counted again at every page.

A search whose total reaches `KEEP_FROM` asks, once it has answered, for its query to be kept
(in the background: nothing waits). Triggers then add each write's net change to the count of
every kept query its rows match (a substring of the search document, as `query` is, within
the query's pipeline, status and stage). Readers sum a query's rows in their own snapshot, so a
page and its total agree. Kept: contacts' and opportunities' queries on PostgreSQL;
opportunities' on SQLite (contacts' totals come from their FTS5 indexes in a few ms, and their
creates are what SQLite's write lock is short of).

Why a kept count is exact, without making any write wait:
1. The query is added, without a count. From that commit on, every write statement's trigger
   sees it and adds its change.
2. PostgreSQL: wait until every transaction that took an id before that commit has ended
   (its statements may have missed the query); a later one's trigger statements see it, as
   writes run in READ COMMITTED (the triggers refuse any other level). SQLite: writers take
   turns; none is in flight.
3. One snapshot reads the count C and the changes D added so far; the base stored is C - D.
   A write committed before the snapshot is in C (and, if it added a change, in D too: the
   difference takes it out); one committed after is in the changes alone. So the kept total,
   base plus every change, is the count at any later snapshot.
A query is used once its base is stored (shard -1). A registration that stopped half-way is
taken up by the next (step 1 finds the query without a base). A location keeps at most
`MAX_KEPT` queries (each costs its writes a substring test): past that, the oldest goes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contactapi.db.engine import Connection, Database

# A query whose total reaches this is kept: fewer matches are counted in a few milliseconds.
KEEP_FROM = 5_000
MAX_KEPT = 32
# PostgreSQL: how long step 2 waits for the writes begun before step 1 (then it gives up; the
# next large search takes the registration up again).
WAIT_SECONDS = 10.0
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
# The same, of `search_kept_queries q`.
_Q_KEY = "q." + _KEY.replace(" AND ", " AND q.")
# The current snapshot's xmin (the oldest transaction running) or xmax (the next to begin).
_XID = "pg_snapshot_{}(pg_current_snapshot())::text::bigint"
# The queries this process is keeping: concurrent searches start one registration, not many.
_keeping: set[KeptQuery] = set()


async def total(conn: Connection, query: KeptQuery, count: Counter) -> int | None:
    """The query's total: its kept count, or `count`'s (then kept, if large)."""
    kept = await conn.fetch_value(
        "SELECT sum(c.matches) FROM search_kept_queries q JOIN search_kept_counts c"
        " ON c.location_id = q.location_id AND c.query_id = q.id"
        f" WHERE {_Q_KEY} GROUP BY q.id HAVING min(c.shard) = {_BASE}",
        *astuple(query),
    )
    if kept is not None:
        return int(kept)
    counted = await count(conn)
    if counted is not None and counted >= KEEP_FROM and query not in _keeping:
        _keeping.add(query)
        conn.in_background(partial(_keep, query, count))
    return counted


async def _keep(query: KeptQuery, count: Counter, db: Database) -> None:
    try:
        query_id: int | None = await db.run(partial(_add_unless_based, query), write=True)
        if query_id is None or not await _writes_begun_before_ended(db):
            return
        counted: tuple[int | None, int] = await db.run(
            partial(_count_with_changes, query.location_id, query_id, count),
            write=False,
            snapshot=True,
            slow=True,  # SQLite: off the event loop's thread
        )
        if counted[0] is not None:
            base = counted[0] - counted[1]
            await db.run(partial(_store_base, query_id=query_id, location_id=query.location_id,
                                 matches=base), write=True)  # fmt: skip
    finally:
        _keeping.discard(query)


async def _writes_begun_before_ended(db: Database) -> bool:
    """Whether every transaction begun before now has ended (PostgreSQL: waits for them up
    to `WAIT_SECONDS`; SQLite: yes, writers take turns)."""
    if db.dialect.name == "sqlite":
        return True
    # Every transaction holding an id below this began before now.
    next_id = f"SELECT {_XID.format('xmax')}"
    horizon = await db.run(lambda conn: conn.fetch_value(next_id), write=False)
    ended = f"SELECT {_XID.format('xmin')} >= $1"
    deadline = time.monotonic() + WAIT_SECONDS
    while not await db.run(lambda conn: conn.fetch_value(ended, horizon), write=False):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _add_unless_based(query: KeptQuery, conn: Connection) -> int | None:
    """The query's id, added now, or added before but not given its base (by a process that
    stopped, or one still at it: either base is right, the first stored stays)."""
    found = await conn.fetch_one(
        "SELECT q.id, EXISTS (SELECT 1 FROM search_kept_counts c WHERE c.location_id ="
        f" q.location_id AND c.query_id = q.id AND c.shard = {_BASE}) AS based"
        f" FROM search_kept_queries q WHERE {_Q_KEY}",
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


async def _add(conn: Connection, query: KeptQuery) -> int | None:
    """Adds the query (None if another process just did), and takes out the location's
    oldest past `MAX_KEPT`."""
    query_id = await conn.fetch_value(
        "INSERT INTO search_kept_queries (location_id, kind, text, pipeline_id, status, stage_id)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        *astuple(query),
    )
    if query_id is None:
        return None
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
    return int(query_id)


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
