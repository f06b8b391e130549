"""The queue worker: claims due jobs under a lease, runs each in its own transaction.

A claim is a short write transaction that stamps `locked_until` on a batch of due jobs
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent workers take different jobs; on SQLite
the `BEGIN IMMEDIATE` write lock serialises claims). A job whose worker died is due again once
its lease ran out. Each job then runs in one transaction that applies its effect and deletes
the job, so a job that committed is never run again, and handlers are idempotent for the rare
job run twice (a lease that expired under a slow worker). A failed job is retried with
exponential backoff; it is never dropped. `stop()` (SIGTERM) lets the running job finish and
releases the rest of the batch.

The stamped `locked_until` doubles as the claim's fencing token: a later claim of the same job
always stamps a later time, so a worker releases or reschedules only what it still holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from contactapi.core import now_ms
from contactapi.db.engine import Database, PostgresDatabase
from contactapi.db.session import WorkScope
from contactapi.queue import outbox

log = logging.getLogger("contactapi.queue")

# A handler applies a job's effect inside the job's transaction; True when it changed something.
JobHandler = Callable[[WorkScope, dict[str, Any]], Awaitable[bool]]

_DUE = "run_after <= $1 AND (locked_until IS NULL OR locked_until < $1)"
_CLAIM_POSTGRESQL = f"""
WITH next AS (
    SELECT id FROM jobs WHERE {_DUE} ORDER BY run_after, id LIMIT $2 FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET locked_until = $3, attempts = jobs.attempts + 1 FROM next
WHERE jobs.id = next.id
RETURNING jobs.id, jobs.location_id, jobs.kind, jobs.payload, jobs.attempts
"""
_CLAIM_SQLITE = f"""
UPDATE jobs SET locked_until = $3, attempts = attempts + 1
WHERE id IN (SELECT id FROM jobs WHERE {_DUE} ORDER BY run_after, id LIMIT $2)
RETURNING id, location_id, kind, payload, attempts
"""

FIRST_RETRY_MS = 500
MAX_RETRY_MS = 5 * 60 * 1000


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    location_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    # The `locked_until` this claim stamped: the fencing token.
    lease: int


class UnknownJobKind(Exception):
    pass


def retry_delay_ms(attempts: int) -> int:
    return int(min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** max(0, attempts - 1)))


class Worker:
    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, JobHandler],
        *,
        lease_seconds: float = 30.0,
        batch_size: int = 20,
        idle_poll_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.lease_ms = int(lease_seconds * 1000)
        self.batch_size = batch_size
        # SQLite's other processes can't signal us, so poll often (a cheap read); PostgreSQL
        # wakes us through LISTEN, and the poll only covers a lost notification.
        self.idle_poll_seconds = idle_poll_seconds or (0.5 if db.dialect == "postgresql" else 0.1)
        self.processed = 0
        self.failed = 0
        self._wake = asyncio.Event()
        self._stopping = False
        # Set once `run()` listens for new jobs: from then on an enqueue wakes it at once.
        self.ready = asyncio.Event()

    def stop(self) -> None:
        """Finish the running job, release the rest, and return from `run()`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Process jobs until `stop()`; database faults are logged and waited out."""
        listener = await self._listen()
        outbox.subscribe(self._wake)
        self.ready.set()
        log.info("queue worker ready")
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    claimed = await self.run_batch()
                except Exception:
                    # The database is away: wait it out, without a log line per poll.
                    log.exception("queue worker: claiming jobs failed; retrying in 1 s")
                    await self._idle(max(1.0, self.idle_poll_seconds))
                    continue
                if claimed == 0 and not self._stopping:
                    await self._idle(self.idle_poll_seconds)
        finally:
            outbox.unsubscribe(self._wake)
            if listener is not None:
                await listener.close()

    async def run_until_idle(self) -> int:
        """Process every due job, then return how many ran (tests, benchmarks)."""
        before = self.processed + self.failed
        while not self._stopping and await self.run_batch():
            pass
        return self.processed + self.failed - before

    async def run_batch(self) -> int:
        """Claim a batch and run it; returns how many jobs were claimed."""
        jobs = await self.claim()
        for index, job in enumerate(jobs):
            if self._stopping:
                await self.release(jobs[index:])
                break
            await self.process(job)
            # Let the API's requests in between jobs when running inside the server.
            await asyncio.sleep(0)
        return len(jobs)

    async def claim(self) -> list[ClaimedJob]:
        now = now_ms()
        if self.db.dialect == "sqlite" and not await self._any_due(now):
            return []
        lease = now + self.lease_ms
        sql = _CLAIM_POSTGRESQL if self.db.dialect == "postgresql" else _CLAIM_SQLITE
        async with self.db.transaction(write=True) as conn:
            rows = await conn.fetch_all(sql, now, self.batch_size, lease)
        jobs = [
            ClaimedJob(
                row["id"],
                row["location_id"],
                row["kind"],
                orjson.loads(row["payload"]),
                row["attempts"],
                lease,
            )
            for row in rows
        ]
        jobs.sort(key=lambda job: job.id)
        return jobs

    async def _any_due(self, now: int) -> bool:
        """A read, which never waits for SQLite's write lock: idle polling stays cheap."""
        async with self.db.transaction(write=False) as conn:
            row = await conn.fetch_one(f"SELECT 1 AS one FROM jobs WHERE {_DUE} LIMIT 1", now)
        return row is not None

    async def process(self, job: ClaimedJob) -> None:
        try:
            handler = self.handlers.get(job.kind)
            if handler is None:
                raise UnknownJobKind(job.kind)
            async with self.db.transaction(write=True) as conn:
                changed = await handler(WorkScope(conn, job.location_id), job.payload)
                await conn.execute("DELETE FROM jobs WHERE id = $1", job.id)
        except Exception:
            self.failed += 1
            delay = retry_delay_ms(job.attempts)
            log.exception("job %s (%s) failed on attempt %s; retrying in %s ms",
                          job.id, job.kind, job.attempts, delay)  # fmt: skip
            await self._reschedule(job, now_ms() + delay)
            return
        self.processed += 1
        log.info("job done id=%s kind=%s location=%s changed=%s payload=%s",
                 job.id, job.kind, job.location_id, changed,
                 orjson.dumps(job.payload).decode())  # fmt: skip

    async def release(self, jobs: list[ClaimedJob]) -> None:
        """Give back claimed jobs that were not started: due again at once, attempt uncounted."""
        if not jobs:
            return
        async with self.db.transaction(write=True) as conn:
            await conn.execute_many(
                "UPDATE jobs SET locked_until = NULL, attempts = attempts - 1"
                " WHERE id = $1 AND locked_until = $2",
                [(job.id, job.lease) for job in jobs],
            )

    async def _reschedule(self, job: ClaimedJob, run_after: int) -> None:
        try:
            async with self.db.transaction(write=True) as conn:
                await conn.execute(
                    "UPDATE jobs SET locked_until = NULL, run_after = $3"
                    " WHERE id = $1 AND locked_until = $2",
                    job.id,
                    job.lease,
                    run_after,
                )
        except Exception:
            # The lease runs out on its own; the job is taken again then.
            log.exception("job %s: could not reschedule", job.id)

    async def _idle(self, seconds: float) -> None:
        """Until a job is enqueued, `stop()`, or `seconds` pass."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _listen(self) -> asyncpg.Connection | None:
        if not isinstance(self.db, PostgresDatabase):
            return None
        try:
            listener = await asyncpg.connect(self.db.url)
            await listener.add_listener(outbox.JOB_CHANNEL, lambda *_: self._wake.set())
        except (OSError, asyncpg.PostgresError):
            log.exception("queue worker: LISTEN failed; polling instead")
            return None
        return listener
