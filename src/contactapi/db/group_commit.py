"""Group commit for SQLite: one fsync for every write transaction that is ready at once, made
outside the write lock.

A durable commit (`synchronous=FULL`) costs one fsync, so one commit per request would cap a
server at a few thousand writes per second at best. Instead, the write transactions of this
process share one SQLite transaction (a *batch*) on a dedicated connection: each runs inside its
own SAVEPOINT (rolled back alone if it fails), and none is answered until the batch's COMMIT has
returned. The transactions of one batch never interleave; each sees the ones before it, exactly
as if run one after another.

Several processes (server workers, queue workers) may write one file, so a batch holds the
write lock for SQL only. Requests queue their work (`run`: a work awaits nothing but its
connection's calls, which never suspend on SQLite; see `db/calls.py`); once the lock is taken,
the batch runs every queued work to completion, back to back, then commits. Processes hand the lock
over through an exclusive `flock` on a side file, waited for in a thread: the kernel wakes the
next writer at once, where SQLite's busy handler would sleep and poll. BEGIN IMMEDIATE still
guards against writers that take no side lock (a migration, an older version), waiting up to
the busy timeout, also in a thread. Meanwhile the event loop keeps serving reads and preparing
the requests of the next batch.

The fsync itself is not made under the lock either (`wal_path`): the writer commits with
`synchronous=NORMAL` (the WAL frames are written, not synced), lets the lock go, and syncs the
WAL file in a thread while the next batch, of this process or another, runs its SQL. A batch's
requests are answered, and its after-commit callbacks run, only once an fsync begun after its
COMMIT has returned: an answered write survives a power loss, as with `synchronous=FULL`. One
fsync covers every batch committed before it began (this process's and others'), so batches
that commit during an fsync share the next. Frames a checkpoint has copied meanwhile are in
the database file, which the checkpoint synced before the WAL could start over.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from contactapi import metrics
from contactapi.db.calls import run_now
from contactapi.errors import ServiceUnavailable

log = logging.getLogger("contactapi.db")
T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Awaitable[Any]]


class _Batch:
    def __init__(self) -> None:
        # SQLite rolled the whole transaction back (disk full, I/O error): nothing of the
        # batch may be answered as written, and nothing more may join it.
        self.aborted = False


class _Queued:
    """A request's work, run by the batch itself, and its outcome once the batch is durable."""

    __slots__ = ("done", "error", "value", "work")

    def __init__(self, work: Work, done: asyncio.Future[None]) -> None:
        self.work = work
        self.done = done
        self.value: Any = None
        self.error: BaseException | None = None


class WriteLock:
    """An exclusive `flock` on `path`, shared by every process that writes the database."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def acquire(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self.fd)


class GroupCommitWriter:
    def __init__(
        self,
        raw: sqlite3.Connection,
        before_commit: Callable[[sqlite3.Connection], Awaitable[None]],
        busy_timeout_ms: int,
        lock: WriteLock | None = None,
        wal_path: str | None = None,
    ) -> None:
        self.raw = raw
        # The WAL file, synced after each COMMIT outside the lock; without it, each COMMIT
        # syncs under the lock (the connection's own `synchronous` setting).
        self._wal_sync = _WalSync(wal_path) if wal_path is not None else None
        if self._wal_sync is not None:
            raw.execute("PRAGMA synchronous = NORMAL")
        # Runs in the batch's transaction, after its last request and before its COMMIT. What
        # it awaits (work in a thread) keeps the lock, not the event loop; the requests queued
        # meanwhile wait for the next batch.
        self.before_commit = before_commit
        # How long a batch waits for a writer outside the side lock before failing.
        self.busy_timeout_ms = busy_timeout_ms
        self.lock = lock
        self._locked = False
        self._acquiring: asyncio.Future[None] | None = None
        self._lock_waiters = 0
        # Work for the next batch, run by the batch itself, back to back.
        self._work: list[_Queued] = []
        self._driver: asyncio.Task[None] | None = None
        # Batches committed so far.
        self.batches = 0

    async def run(self, work: Callable[[sqlite3.Connection], Awaitable[T]]) -> T:
        """`work(connection)` in a savepoint of the next batch, its result (or error) once
        the batch is durable. The batch runs it, right after the works queued before it, so
        the write lock is held for SQL only: `work` awaits nothing but its connection's
        calls, which have run by then on SQLite."""
        queued = _Queued(work, asyncio.get_running_loop().create_future())
        self._work.append(queued)
        self._start()
        await asyncio.shield(queued.done)
        if queued.error is not None:
            raise queued.error
        value: T = queued.value
        return value

    async def drain(self) -> None:
        """Returns once every queued write has been committed and synced (or failed)."""
        while self._driver is not None:
            await asyncio.shield(self._driver)
        if self._wal_sync is not None:
            await self._wal_sync.drain()

    def close(self) -> None:
        if self._wal_sync is not None:
            self._wal_sync.close()

    def _start(self) -> None:
        if self._driver is None:
            self._driver = asyncio.ensure_future(self._drive())

    async def _drive(self) -> None:
        """Batches, one after another, while requests queue up for them."""
        try:
            while self._work:
                await self._run_batch()
        finally:
            self._driver = None

    async def _run_batch(self) -> None:
        works, self._work = self._work, []
        try:
            await self._begin()
        except BaseException as exc:
            for queued_work in works:
                queued_work.error = _batch_failed(exc)
                _settle(queued_work.done)
            if not isinstance(exc, Exception):
                raise
            return
        # Works queued during the wait for the lock join this batch.
        works.extend(self._work)
        self._work.clear()
        batch = _Batch()
        committed = False
        try:
            for queued_work in works:
                self._execute(queued_work, batch)
            if batch.aborted:
                raise sqlite3.OperationalError("the write batch was rolled back")
            await self.before_commit(self.raw)
            self._commit()
            committed = True
            metrics.commit_batch(len(works))
        except BaseException as exc:
            batch.aborted = True
            for queued_work in works:
                if queued_work.error is None:
                    queued_work.error = _batch_failed(exc)
            self._rollback()
            if not isinstance(exc, Exception):
                raise  # cancelled (shutdown): after the cleanup below
        finally:
            try:
                self._release()
            finally:
                if committed and self._wal_sync is not None:
                    self._wal_sync.add(works)  # answered once synced
                else:
                    for queued_work in works:
                        _settle(queued_work.done)

    def _rollback(self) -> None:
        """Ends a failed batch. A ROLLBACK that fails too (the disk is gone) is logged; the next
        batch tries it again before it begins."""
        if self.raw.in_transaction:
            try:
                self.raw.execute("ROLLBACK")
            except sqlite3.Error:
                log.exception("ROLLBACK of a failed write batch failed")

    def _execute(self, queued: _Queued, batch: _Batch) -> None:
        """Runs a queued work in its savepoint, to completion, now."""
        if batch.aborted or not self.raw.in_transaction:
            batch.aborted = True
            queued.error = sqlite3.OperationalError("the write batch was rolled back")
            return
        try:
            self.raw.execute("SAVEPOINT request")
        except sqlite3.Error as exc:
            batch.aborted = True
            queued.error = exc
            return
        try:
            queued.value = run_now(queued.work(self.raw))
        except BaseException as exc:
            queued.error = exc
        if queued.error is None:
            try:
                self.raw.execute("RELEASE request")
            except sqlite3.Error as exc:
                batch.aborted = True
                queued.error = exc
        else:
            try:
                self.raw.execute("ROLLBACK TO request")
                self.raw.execute("RELEASE request")
            except sqlite3.Error:
                batch.aborted = True  # the savepoint went with the whole transaction
        if not self.raw.in_transaction:
            batch.aborted = True

    async def _begin(self) -> None:
        """The side lock, then BEGIN IMMEDIATE; each tried at once, else waited for in a
        thread, each for up to the busy timeout."""
        await self._take_lock()
        try:
            self._rollback()  # a transaction left open by a failed ROLLBACK
            if not self._try_begin():
                try:
                    await in_thread(self.raw.execute, "BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc):
                        raise DatabaseBusy() from exc
                    raise
        except BaseException:
            self._rollback()
            self._release()
            raise

    async def _take_lock(self) -> None:
        if self.lock is None:
            return
        if self._acquiring is None:
            if self.lock.try_acquire():
                self._locked = True
                return
            acquiring = asyncio.ensure_future(asyncio.to_thread(self.lock.acquire))
            acquiring.add_done_callback(self._acquired)
            self._acquiring = acquiring
        # A wait that timed out leaves the acquire running: the next batch waits for it.
        self._lock_waiters += 1
        try:
            await asyncio.wait_for(asyncio.shield(self._acquiring), self.busy_timeout_ms / 1000)
        except TimeoutError:
            raise DatabaseBusy() from None
        finally:
            self._lock_waiters -= 1
        self._acquiring = None
        self._locked = True

    def _acquired(self, acquiring: asyncio.Future[None]) -> None:
        """An acquire that finished after every batch waiting for it gave up: let it go."""
        if not self._lock_waiters and acquiring is self._acquiring:
            self._acquiring = None
            if not acquiring.cancelled() and acquiring.exception() is None and self.lock:
                self.lock.release()

    def _try_begin(self) -> bool:
        """BEGIN IMMEDIATE without waiting: False when another writer holds SQLite's lock."""
        self.raw.execute("PRAGMA busy_timeout = 0")
        try:
            self.raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if self.raw.in_transaction or not _is_busy(exc):
                raise
            return False
        finally:
            self.raw.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        return True

    def _release(self) -> None:
        if self._locked and self.lock is not None:
            self.lock.release()
        self._locked = False

    def _commit(self) -> None:
        # On the event loop: from a thread, the COMMIT would first wait for the busy loop to
        # hand over the GIL, holding the write lock the other processes wait for (measured: 5%
        # fewer creates with two workers, when the COMMIT still waited for its fsync).
        self.raw.execute("COMMIT")
        self.batches += 1
        self._release()


class _WalSync:
    """The fsyncs of the WAL file, one at a time, in a thread: each settles the works of
    every batch committed before it began."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._waiting: list[_Queued] = []
        self._task: asyncio.Task[None] | None = None
        # The first failed fsync, for good: Linux may drop the pages it could not write and
        # clear the error, so a later fsync's success would not cover them (PostgreSQL too
        # stops at a failed fsync). Every later write is then answered as failed.
        self._broken: OSError | None = None

    def add(self, works: list[_Queued]) -> None:
        self._waiting.extend(works)
        if self._task is None:
            self._task = asyncio.ensure_future(self._sync_while_waiting())

    async def drain(self) -> None:
        while self._task is not None:
            await asyncio.shield(self._task)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def _sync_while_waiting(self) -> None:
        try:
            while self._waiting:
                works, self._waiting = self._waiting, []
                error = self._broken
                if error is None:
                    try:
                        await in_thread(self._fsync)
                    except OSError as exc:
                        log.critical("the WAL could not be synced; no write is answered as"
                                     " written until a restart: %r", exc)  # fmt: skip
                        error = self._broken = exc
                for queued_work in works:
                    if error is not None and queued_work.error is None:
                        # Committed, maybe not durable: not answered as written.
                        queued_work.error = sqlite3.OperationalError(
                            f"the write batch could not be synced: {error}"
                        )
                    _settle(queued_work.done)
        finally:
            self._task = None

    def _fsync(self) -> None:
        # Opened once the WAL exists (a COMMIT wrote it); it lives as long as any connection
        # to the database, and this process holds some.
        if self._fd is None:
            # The WAL may be new: its directory entry is durable only once the directory is
            # synced (SQLite does this at its own first sync, which NORMAL defers).
            directory = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        os.fsync(self._fd)


class DatabaseBusy(ServiceUnavailable):
    """Another writer held the database past the busy timeout: the client may retry."""


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a thread. Cancelled meanwhile, it still waits for the thread to
    return before it re-raises: the connection the thread uses must not be touched earlier."""
    running = asyncio.ensure_future(asyncio.to_thread(function, *args))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await running
        raise


def _batch_failed(exc: BaseException) -> BaseException:
    """Each request of a failed batch gets an error of its own, not one object raised (and
    its traceback grown) in every request's task."""
    if isinstance(exc, DatabaseBusy):
        return DatabaseBusy()
    if isinstance(exc, Exception):
        failed = sqlite3.OperationalError(f"the write batch failed: {exc}")
        failed.__cause__ = exc
        return failed
    return exc


def _settle(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # the extended code: SQLITE_BUSY_*
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
