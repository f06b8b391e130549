"""The queue worker: claims due jobs under a lease, runs each in its own transaction.

A claim is a short write transaction that stamps `locked_until` on a batch of due jobs
(`Dialect.claim_jobs`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent workers take
different jobs; on SQLite the `BEGIN IMMEDIATE` write lock serialises claims), made only when a
read finds a job due, so idle polling takes no write lock. A job whose worker died is due again once
its lease ran out. Each job then runs in one transaction that applies its effect and deletes
the job, so a job that committed is never run again, and handlers are idempotent for the rare
job run twice (a lease that expired under a slow worker). A failed job is retried with
exponential backoff; it is never dropped. `stop()` (SIGTERM) lets the running job finish and
releases the rest of the batch.

The stamped `locked_until` doubles as the claim's fencing token: a later claim of the same job
always stamps a later time, so a worker releases or reschedules only what it still holds.

A claim also records the worker (`locked_by`), which writes a heartbeat every second: when a
worker dies (SIGKILL), its jobs are due again once its heartbeat is DEAD_AFTER_MS old, not
when their lease runs out. A worker merely stalled that long may then see a job run twice,
as with an expired lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from contactapi import metrics
from contactapi.core import new_id, now_ms
from contactapi.db.dialects import DUE_JOBS
from contactapi.db.engine import Connection, Database, Listener, Row
from contactapi.queue import outbox
from contactapi.scope import WorkScope

log = logging.getLogger("contactapi.queue")

# A handler applies a job's effect inside the job's transaction; True when it changed something.
JobHandler = Callable[[WorkScope, dict[str, Any]], Awaitable[bool]]

HEARTBEAT_SECONDS = 1.0
DEAD_AFTER_MS = 4_000
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


class LeaseLost(Exception):
    """The job was claimed again by another worker while this one ran it."""


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
        self.idle_poll_seconds = idle_poll_seconds or db.dialect.job_poll_seconds
        self.processed = 0
        self.failed = 0
        self._wake = asyncio.Event()
        self._stopping = False
        # Unique per run: what `jobs.locked_by` and `queue_workers` know this worker by.
        self.id = f"{socket.gethostname()[:19]}-{os.getpid()}-{new_id(8)}"
        self._registered = False
        # Set once `run()` listens for new jobs: from then on an enqueue wakes it at once.
        self.ready = asyncio.Event()

    def stop(self) -> None:
        """Finish the running job, release the rest, and return from `run()`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Process jobs until `stop()`; database faults are logged and waited out."""
        listener = await self._listen()
        heartbeat = asyncio.create_task(self._beat(), name="contactapi-queue-heartbeat")
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
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self._sign_off()
            if listener is not None:
                await listener.close()

    async def _beat(self) -> None:
        """Every HEARTBEAT_SECONDS, this worker's `queue_workers.heartbeat_at` says it lives;
        once it stops (the process died), others take the jobs it held within DEAD_AFTER."""
        while True:
            try:
                await self.beat()
            except Exception:
                log.exception("queue worker: heartbeat failed")
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def beat(self) -> None:
        now = now_ms()

        first = not self._registered

        async def beat(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO queue_workers (id, heartbeat_at) VALUES ($1, $2)"
                " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
                self.id,
                now,
            )
            if first:
                # The rows of workers gone for a day: nothing refers to them any more.
                await conn.execute(
                    "DELETE FROM queue_workers WHERE heartbeat_at < $1", now - 86_400_000
                )

        await self.db.run(beat, write=True)
        self._registered = True

    async def _sign_off(self) -> None:
        with contextlib.suppress(Exception):
            await self.db.run(
                lambda conn: conn.execute("DELETE FROM queue_workers WHERE id = $1", self.id),
                write=True,
            )

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
        if not await self._any_due(now):
            return []
        if not self._registered:
            await self.beat()  # a holder without a heartbeat would count as dead
        lease = now + self.lease_ms

        alive_after = now - DEAD_AFTER_MS

        def claim(conn: Connection) -> Awaitable[list[Row]]:
            return conn.fetch_all(
                conn.dialect.claim_jobs, now, alive_after, self.batch_size, lease, self.id
            )

        rows = await self.db.run(claim, write=True)
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

        def due(conn: Connection) -> Awaitable[Row | None]:
            return conn.fetch_one(
                f"SELECT 1 AS one FROM jobs WHERE {DUE_JOBS} LIMIT 1", now, now - DEAD_AFTER_MS
            )

        return await self.db.run(due, write=False) is not None

    async def process(self, job: ClaimedJob) -> None:
        try:
            handler = self.handlers.get(job.kind)
            if handler is None:
                raise UnknownJobKind(job.kind)

            async def run(conn: Connection) -> bool:
                changed = await handler(WorkScope(conn, job.location_id), job.payload)
                # Only while the claim holds: a worker that took the job meanwhile (this one
                # seemed dead) owns its effect, and this transaction rolls back.
                deleted = await conn.execute(
                    "DELETE FROM jobs WHERE id = $1 AND locked_until = $2", job.id, job.lease
                )
                if not deleted:
                    raise LeaseLost()
                return changed

            changed = await self.db.run(run, write=True)
        except LeaseLost:
            log.info("job %s (%s) was taken by another worker; dropped", job.id, job.kind)
            return
        except Exception:
            self.failed += 1
            metrics.job_run(job.kind, done=False)
            delay = retry_delay_ms(job.attempts)
            log.exception("job %s (%s) failed on attempt %s; retrying in %s ms",
                          job.id, job.kind, job.attempts, delay)  # fmt: skip
            await self._reschedule(job, now_ms() + delay)
            return
        self.processed += 1
        metrics.job_run(job.kind, done=True)
        log.info("job done id=%s kind=%s location=%s changed=%s payload=%s",
                 job.id, job.kind, job.location_id, changed,
                 orjson.dumps(job.payload).decode())  # fmt: skip

    async def release(self, jobs: list[ClaimedJob]) -> None:
        """Give back claimed jobs that were not started: due again at once, attempt uncounted."""
        if not jobs:
            return
        await self.db.run(
            lambda conn: conn.execute_many(
                "UPDATE jobs SET locked_until = NULL, attempts = attempts - 1"
                " WHERE id = $1 AND locked_until = $2",
                [(job.id, job.lease) for job in jobs],
            ),
            write=True,
        )

    async def _reschedule(self, job: ClaimedJob, run_after: int) -> None:
        try:
            await self.db.run(
                lambda conn: conn.execute(
                    "UPDATE jobs SET locked_until = NULL, run_after = $3"
                    " WHERE id = $1 AND locked_until = $2",
                    job.id,
                    job.lease,
                    run_after,
                ),
                write=True,
            )
        except Exception:
            # The lease runs out on its own; the job is taken again then.
            log.exception("job %s: could not reschedule", job.id)

    async def _idle(self, seconds: float) -> None:
        """Until a job is enqueued, `stop()`, or `seconds` pass."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _listen(self) -> Listener | None:
        try:
            return await self.db.listen(outbox.JOB_CHANNEL, self._wake.set)
        except Exception:  # the database is away: the poll still finds the jobs
            log.exception("queue worker: listening for new jobs failed; polling instead")
            return None
