"""The two drivers behind one small interface.

SQL is written once with `$1, $2, ...` placeholders (asyncpg's style); for SQLite they become
`?1, ?2, ...`. SQLite is called directly on the event loop: a primary-key read costs ~27 us,
less than a hop to a thread, and a transaction then never interleaves with another request of
the same process. PostgreSQL goes through an asyncpg pool. The differences that remain (claims,
search, locks) are switched on `Database.dialect`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from typing import Any, Literal, Protocol, TypeVar

import asyncpg

from contactapi.db.group_commit import GroupCommitWriter, WriteLock, in_thread
from contactapi.db.search_index import apply_pending
from contactapi.settings import Settings

log = logging.getLogger("contactapi.db")
Row = Mapping[str, Any]
T = TypeVar("T")
Dialect = Literal["sqlite", "postgresql"]

# How long a SQLite writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITER_CACHE_KIB = 32 * 1024
# Checkpoints (copying the WAL back into the database file) run in the background, outside the
# write lock: at a million contacts, run by the committing writer, they held the lock for a
# third of its time. The writer still checkpoints once the WAL holds this many pages (40 MB):
# a bound on its size, and the moment it starts over from its beginning.
CHECKPOINT_INTERVAL_S = 0.1
WRITER_AUTOCHECKPOINT_PAGES = 10_000


class Connection(Protocol):
    dialect: Dialect

    async def fetch_one(self, sql: str, *args: Any) -> Row | None: ...

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetch_value(self, sql: str, *args: Any) -> Any: ...

    async def execute(self, sql: str, *args: Any) -> int: ...

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...


class Database(Protocol):
    dialect: Dialect

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    def transaction(self, *, write: bool, snapshot: bool = False) -> Any: ...

    async def run(
        self,
        work: Callable[[Any], Coroutine[Any, Any, T]],
        *,
        write: bool,
        snapshot: bool = False,
    ) -> T: ...


_PLACEHOLDER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=1024)
def to_sqlite_sql(sql: str) -> str:
    return _PLACEHOLDER.sub(r"?\1", sql)


def open_sqlite(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # sqlite3.Row: looked up by column name like asyncpg's Record, built in C.
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit that was answered survives a power loss, not only a process crash.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Sorts and unions of small results stay in memory instead of a temporary file.
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


class _AfterCommit:
    """Callbacks run once the connection's transaction is durable; dropped if it fails."""

    def __init__(self) -> None:
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def _committed(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()


class SQLiteConnection(_AfterCommit):
    dialect: Dialect = "sqlite"

    def __init__(self, raw: sqlite3.Connection) -> None:
        super().__init__()
        self.raw = raw

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = self.raw.execute(to_sqlite_sql(sql), args).fetchone()
        return row

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        return self.raw.execute(to_sqlite_sql(sql), args).fetchall()

    async def fetch_value(self, sql: str, *args: Any) -> Any:
        row = self.raw.execute(to_sqlite_sql(sql), args).fetchone()
        return None if row is None else row[0]

    async def execute(self, sql: str, *args: Any) -> int:
        return self.raw.execute(to_sqlite_sql(sql), args).rowcount

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.raw.executemany(to_sqlite_sql(sql), rows)


class SQLiteDatabase:
    dialect: Dialect = "sqlite"

    def __init__(self, path: str, pool_size: int) -> None:
        self.path = path
        self.pool_size = pool_size
        self._readers: asyncio.Queue[SQLiteConnection] = asyncio.Queue()
        self._all: list[SQLiteConnection] = []
        self._writer: GroupCommitWriter | None = None
        self._checkpoints: asyncio.Task[None] | None = None
        self._stop_checkpoints = asyncio.Event()

    async def connect(self) -> None:
        for _ in range(self.pool_size):
            conn = SQLiteConnection(open_sqlite(self.path))
            self._all.append(conn)
            self._readers.put_nowait(conn)
        writer = SQLiteConnection(open_sqlite(self.path))
        # The writer walks the indexes of every write (the search index above all): a larger
        # page cache than the 2 MB default keeps their upper levels in memory (between batches
        # only while no other process writes: SQLite drops the cache when the file changed).
        writer.raw.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        writer.raw.execute(f"PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES}")
        self._all.append(writer)
        self._writer = GroupCommitWriter(
            writer.raw,
            before_commit=apply_pending,
            busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS,
            lock=WriteLock(self.path + "-writelock"),
        )
        self._checkpoints = asyncio.create_task(
            self._checkpoint_continually(open_sqlite(self.path), self._writer),
            name="contactapi-sqlite-checkpoints",
        )

    async def _checkpoint_continually(
        self, conn: sqlite3.Connection, writer: GroupCommitWriter
    ) -> None:
        """A PASSIVE checkpoint every CHECKPOINT_INTERVAL_S while this process writes. It
        waits for no one, and no writer waits for it: it copies what it can, in a thread."""
        checkpointed = writer.batches
        try:
            while not self._stop_checkpoints.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_checkpoints.wait(), CHECKPOINT_INTERVAL_S)
                if writer.batches == checkpointed:
                    continue
                checkpointed = writer.batches
                try:
                    await in_thread(_checkpoint, conn)
                except sqlite3.Error:
                    # Another process's checkpoint is running: it copies the same pages.
                    log.debug("background checkpoint skipped", exc_info=True)
        finally:
            conn.close()

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.drain()
        if self._checkpoints is not None:
            self._stop_checkpoints.set()
            await self._checkpoints
            self._checkpoints = None
        for conn in self._all:
            conn.raw.close()
        self._all.clear()
        writer, self._writer = self._writer, None
        if writer is not None and writer.lock is not None:
            writer.lock.close()

    def transaction(
        self, *, write: bool, snapshot: bool = False
    ) -> AbstractAsyncContextManager[SQLiteConnection]:
        """`snapshot`: a read whose statements must all see one state of the database."""
        return self._write() if write else _SQLiteRead(self._readers, snapshot)

    async def run(
        self,
        work: Callable[[SQLiteConnection], Coroutine[Any, Any, T]],
        *,
        write: bool,
        snapshot: bool = False,
    ) -> T:
        """`work(connection)` in one transaction. A write runs inside the next write batch,
        which runs it: it must not await anything but this connection's calls."""
        if not write:
            async with _SQLiteRead(self._readers, snapshot) as conn:
                return await work(conn)
        assert self._writer is not None, "database not connected"
        conn = SQLiteConnection(self._writer.raw)
        result = await self._writer.run(lambda raw: work(conn))
        conn._committed()
        return result

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[SQLiteConnection]:
        assert self._writer is not None, "database not connected"
        async with self._writer.transaction() as raw:
            conn = SQLiteConnection(raw)
            yield conn
        conn._committed()


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class _SQLiteRead:
    """A reader connection for the block. Reads run in autocommit: each statement sees one
    committed snapshot, and a read that must be consistent across rows is written as one
    statement. (A class, not a generator: this is on every read's path.)"""

    __slots__ = ("conn", "readers", "snapshot")

    def __init__(self, readers: asyncio.Queue[SQLiteConnection], snapshot: bool) -> None:
        self.readers = readers
        self.snapshot = snapshot

    async def __aenter__(self) -> SQLiteConnection:
        self.conn = await self.readers.get()
        if self.snapshot:
            self.conn.raw.execute("BEGIN")
        return self.conn

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if self.snapshot and self.conn.raw.in_transaction:
                self.conn.raw.execute("COMMIT")
        finally:
            self.readers.put_nowait(self.conn)


class PostgresConnection(_AfterCommit):
    dialect: Dialect = "postgresql"

    def __init__(self, raw: asyncpg.Connection) -> None:
        super().__init__()
        self.raw = raw

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = await self.raw.fetchrow(sql, *args)
        return row

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        rows: list[Row] = await self.raw.fetch(sql, *args)
        return rows

    async def fetch_value(self, sql: str, *args: Any) -> Any:
        return await self.raw.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        status: str = await self.raw.execute(sql, *args)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)


class PostgresDatabase:
    dialect: Dialect = "postgresql"

    def __init__(self, url: str, pool_size: int) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

    async def connect(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            statement_cache_size=256,
            reset=_nothing_to_reset,
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def transaction(
        self, *, write: bool, snapshot: bool = False
    ) -> AsyncIterator[PostgresConnection]:
        """`snapshot`: every statement sees the state of the first (REPEATABLE READ)."""
        assert self._pool is not None, "database not connected"
        isolation = "repeatable_read" if snapshot else "read_committed"
        async with self._pool.acquire() as raw:
            conn = PostgresConnection(raw)
            async with raw.transaction(isolation=isolation, readonly=not write):
                yield conn
            conn._committed()

    async def run(
        self,
        work: Callable[[PostgresConnection], Awaitable[T]],
        *,
        write: bool,
        snapshot: bool = False,
    ) -> T:
        async with self.transaction(write=write, snapshot=snapshot) as conn:
            return await work(conn)


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """Pooled connections only ever run transactions, whose state (SET LOCAL, advisory xact
    locks) ends with them, and asyncpg rolls back any transaction left open before this. Its
    default reset (unlock all, close cursors, UNLISTEN, RESET ALL) would cost every request
    one more round trip. (The queue's LISTEN runs on a connection of its own.)"""


def create_database(settings: Settings) -> SQLiteDatabase | PostgresDatabase:
    if settings.is_postgresql:
        return PostgresDatabase(settings.database_url, settings.pool_size)
    return SQLiteDatabase(settings.sqlite_path, settings.pool_size)
