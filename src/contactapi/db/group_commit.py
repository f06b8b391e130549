"""Group commit for SQLite: one fsync for every write transaction that is ready at once.

A durable commit (`synchronous=FULL`) costs one fsync, about 3.5 ms on this kind of disk, so
one commit per request caps a server at ~280 writes/s. Instead, write transactions of this
process share one SQLite transaction (a *batch*) on a dedicated connection: each runs inside its
own SAVEPOINT (rolled back alone if it fails), and none is answered until the batch's COMMIT has
returned. The COMMIT runs in a thread, so requests keep arriving meanwhile and form the next
batch. SQLite work inside a savepoint never yields to the event loop, so the transactions of
one batch never interleave; each sees the ones before it, exactly as if run one after another.

A batch begins with BEGIN IMMEDIATE (the write lock), tried without waiting. When another
process holds the lock (a worker, a seed, another server process), it is awaited in a thread,
not on the event loop, which keeps serving reads meanwhile; the requests that queue up behind
it then share the batch that follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class _Batch:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.committed: asyncio.Future[None] = loop.create_future()
        self.closed = False
        # Opened after a wait for the lock: the last request that waited closes it, once
        # every one of them has joined.
        self.held_open = False
        # SQLite rolled the whole transaction back (disk full, I/O error): nothing of the
        # batch may be answered as written, and nothing more may join it.
        self.aborted = False


class GroupCommitWriter:
    def __init__(
        self,
        raw: sqlite3.Connection,
        before_commit: Callable[[sqlite3.Connection], None],
        busy_timeout_ms: int,
    ) -> None:
        self.raw = raw
        # Runs in the batch's transaction, after its last request and before its COMMIT.
        self.before_commit = before_commit
        # How long a batch waits for another process's write lock before failing.
        self.busy_timeout_ms = busy_timeout_ms
        self._batch: _Batch | None = None
        self._committing: asyncio.Future[None] | None = None
        self._locking: asyncio.Future[None] | None = None
        self._lock_waiters = 0

    async def _open_batch(self) -> _Batch:
        loop = asyncio.get_running_loop()
        while self._batch is None or self._batch.closed:
            if self._committing is not None:
                # While a COMMIT runs in its thread the connection is busy: wait for it.
                await asyncio.shield(self._committing)
            elif self._locking is not None:
                await self._wait_for_lock(self._locking, loop)
            elif self._try_begin():
                self._batch = _Batch(loop)
                # Closed once the requests that are ready now (this loop turn) have joined.
                loop.call_soon(self._start_commit, self._batch)
            else:
                self._locking = asyncio.ensure_future(self._begin_when_free(loop))
        return self._batch

    def _try_begin(self) -> bool:
        """BEGIN IMMEDIATE without waiting: False when another process holds the write lock."""
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

    async def _begin_when_free(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            # The busy timeout bounds the wait; the event loop serves other requests meanwhile.
            await asyncio.to_thread(self.raw.execute, "BEGIN IMMEDIATE")
        finally:
            self._locking = None
        self._batch = _Batch(loop)
        if self._lock_waiters:
            self._batch.held_open = True
        else:  # everyone who waited is gone: commit the empty batch, freeing the lock
            loop.call_soon(self._start_commit, self._batch)

    async def _wait_for_lock(
        self, locking: asyncio.Future[None], loop: asyncio.AbstractEventLoop
    ) -> None:
        self._lock_waiters += 1
        try:
            await asyncio.shield(locking)
        finally:
            self._lock_waiters -= 1
            batch = self._batch
            if not self._lock_waiters and batch is not None and batch.held_open:
                # The last waiter to wake: it joins within this loop turn, then the batch closes.
                batch.held_open = False
                loop.call_soon(self._start_commit, batch)

    def _start_commit(self, batch: _Batch) -> None:
        batch.closed = True
        self._committing = asyncio.ensure_future(self._commit(batch))

    async def _commit(self, batch: _Batch) -> None:
        try:
            if batch.aborted:
                raise sqlite3.OperationalError("the write batch was rolled back")
            await asyncio.to_thread(self._finish)
        except BaseException as exc:
            if self.raw.in_transaction:
                self.raw.execute("ROLLBACK")
            batch.committed.set_exception(exc)
            # Every waiter retrieves it; mark it retrieved for the loop's bookkeeping.
            batch.committed.exception()
        else:
            batch.committed.set_result(None)
        finally:
            self._committing = None

    def _finish(self) -> None:
        self.before_commit(self.raw)
        self.raw.execute("COMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[sqlite3.Connection]:
        batch = await self._open_batch()
        if batch.aborted or not self.raw.in_transaction:
            batch.aborted = True
            raise sqlite3.OperationalError("the write batch was rolled back")
        # One name for every request's savepoint: the transactions of a batch run one after
        # another, never nested, and the same statement text stays prepared in the cache.
        self.raw.execute("SAVEPOINT request")
        try:
            yield self.raw
        except BaseException:
            try:
                self.raw.execute("ROLLBACK TO request")
                self.raw.execute("RELEASE request")
            except sqlite3.Error:
                batch.aborted = True  # the savepoint went with the whole transaction
            # Still wait for the batch, so that no transaction outlives its requests.
            with contextlib.suppress(Exception):
                await asyncio.shield(batch.committed)
            raise
        self.raw.execute("RELEASE request")
        if not self.raw.in_transaction:
            batch.aborted = True
            raise sqlite3.OperationalError("the write batch was rolled back")
        # Answered only once the whole batch is durable.
        await asyncio.shield(batch.committed)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # the extended code: SQLITE_BUSY_*
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
