"""Enqueueing: a job is a row written in the transaction of the change that causes it, so it
commits with the change or not at all. Workers are told promptly: through NOTIFY (delivered on
commit) on PostgreSQL, and through an in-process event set after the commit on SQLite, whose
other processes poll."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from contactapi.core import now_ms
from contactapi.db.engine import Connection

JOB_CHANNEL = "contactapi_jobs"

_local_wakeups: set[asyncio.Event] = set()


def subscribe(event: asyncio.Event) -> None:
    """Set `event` whenever this process enqueues a job on SQLite."""
    _local_wakeups.add(event)


def unsubscribe(event: asyncio.Event) -> None:
    _local_wakeups.discard(event)


async def enqueue(conn: Connection, location_id: str, kind: str, payload: dict[str, Any]) -> None:
    at = now_ms()
    await conn.execute(
        "INSERT INTO jobs (location_id, kind, payload, run_after, locked_until, attempts,"
        " created_at) VALUES ($1, $2, $3, $4, NULL, 0, $5)",
        location_id,
        kind,
        orjson.dumps(payload).decode(),
        at,
        at,
    )
    if conn.dialect == "postgresql":
        await conn.execute("SELECT pg_notify($1, '')", JOB_CHANNEL)
    else:
        # Woken once the job is durable: a worker woken sooner would find nothing and sleep.
        conn.after_commit(_wake_local_workers)


def _wake_local_workers() -> None:
    for event in _local_wakeups:
        event.set()
