"""Group commit for SQLite: one fsync for every write transaction that is ready at once.

A durable commit (`synchronous=FULL`) costs one fsync, about 3.5 ms on this kind of disk, so
one commit per request caps a server at ~280 writes/s. Instead, write transactions of this
process share one SQLite transaction (a *batch*) on a dedicated connection: each runs inside its
own SAVEPOINT (rolled back alone if it fails), and none is answered until the batch's COMMIT has
returned. The COMMIT runs in a thread, so requests keep arriving meanwhile and form the next
batch. SQLite work inside a savepoint never yields to the event loop, so the transactions of
one batch never interleave; each sees the ones before it, exactly as if run one after another.
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
        # SQLite rolled the whole transaction back (disk full, I/O error): nothing of the
        # batch may be answered as written, and nothing more may join it.
        self.aborted = False


class GroupCommitWriter:
    def __init__(
        self, raw: sqlite3.Connection, before_commit: Callable[[sqlite3.Connection], None]
    ) -> None:
        self.raw = raw
        # Runs in the batch's transaction, after its last request and before its COMMIT.
        self.before_commit = before_commit
        self._batch: _Batch | None = None
        self._committing: asyncio.Future[None] | None = None

    async def _open_batch(self) -> _Batch:
        # While a COMMIT runs in its thread the connection is busy: wait for it.
        while self._committing is not None and (self._batch is None or self._batch.closed):
            await asyncio.shield(self._committing)
        if self._batch is None or self._batch.closed:
            loop = asyncio.get_running_loop()
            # IMMEDIATE takes the write lock up front (other processes wait on busy_timeout).
            self.raw.execute("BEGIN IMMEDIATE")
            self._batch = _Batch(loop)
            loop.call_soon(self._start_commit, self._batch)
        return self._batch

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
