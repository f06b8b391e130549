"""Enqueueing: a job is a row written in the transaction of the change that causes it, so it
commits with the change or not at all. Workers are told once it commits (`Connection.notify`:
every process on PostgreSQL; this process on SQLite, whose other processes poll)."""

from __future__ import annotations

from typing import Any

import orjson

from contactapi.core import now_ms
from contactapi.db.engine import Connection

JOB_CHANNEL = "contactapi_jobs"


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
    await conn.notify(JOB_CHANNEL)
