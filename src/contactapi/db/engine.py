"""The two drivers behind one small interface, and the one way to run a transaction.

`Database.run(work, write=...)` runs `work(connection)` in one transaction, committed when the
work returns and rolled back when it raises; the work awaits its connection's calls and
nothing else (`db/calls.py`). SQL is written once with `$1, $2, ...` placeholders (asyncpg's
style); for SQLite they become `?1, ?2, ...`. SQLite is called directly on the event loop: a
primary-key read costs ~27 us, less than a hop to a thread. PostgreSQL goes through an asyncpg
pool. What SQL differs is asked of the connection's `dialect` (`db/dialects.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Protocol, TypeVar

import asyncpg

from contactapi.db.calls import Pending, Ready, drive, run_now
from contactapi.db.dialects import POSTGRESQL, SQLITE, Dialect
from contactapi.db.files import prepare_sqlite_file
from contactapi.db.group_commit import GroupCommitWriter, WriteLock, in_thread
from contactapi.db.locks import lock_key
from contactapi.db.search import opportunities as opportunity_search
from contactapi.db.search_index import apply_pending
from contactapi.settings import Settings

log = logging.getLogger("contactapi.db")
Row = Mapping[str, Any]
T = TypeVar("T")

# How long a SQLite writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITER_CACHE_KIB = 32 * 1024
# Threads (each with its connection) that run slow reads: searches, lists, counts.
SLOW_READ_THREADS = 4
# Checkpoints (copying the WAL back into the database file) run in the background, outside the
# write lock: at a million contacts, run by the committing writer, they held the lock for a
# third of its time. The writer still checkpoints once the WAL holds this many pages (40 MB):
# a bound on its size, and the moment it starts over from its beginning.
CHECKPOINT_INTERVAL_S = 0.1
WRITER_AUTOCHECKPOINT_PAGES = 10_000


class Connection(Protocol):
    """A transaction's connection. Its calls are the only awaitables a work may await."""

    dialect: Dialect

    def fetch_one(self, sql: str, *args: Any) -> Awaitable[Row | None]: ...

    def fetch_all(self, sql: str, *args: Any) -> Awaitable[list[Row]]: ...

    def fetch_value(self, sql: str, *args: Any) -> Awaitable[Any]: ...

    def execute(self, sql: str, *args: Any) -> Awaitable[int]: ...

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> Awaitable[None]: ...

    def execute_together(self, first: str, then: str, *args: Any) -> Awaitable[None]:
        """`first`, then `then`, over the same arguments (`first` may use fewer): one
        statement on PostgreSQL (`first` as a CTE), so one round trip."""
        ...

    def lock(self, names: Sequence[tuple[str, ...]]) -> Awaitable[None]:
        """Serialises the transactions that lock any of the same names, until they end."""
        ...

    def notify(self, channel: str) -> Awaitable[None]:
        """Wakes the listeners of `channel` (`Database.listen`) once this transaction commits."""
        ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...

    def in_background(self, job: Job) -> None:
        """Once this transaction commits, `job` runs on the database in the background (its own
        transactions): nothing waits for it, and a failure is only logged."""
        ...


Work = Callable[[Connection], Awaitable[T]]
Job = Callable[["Database"], Awaitable[None]]


class Listener(Protocol):
    async def close(self) -> None: ...


class Database(Protocol):
    dialect: Dialect

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    async def run(
        self, work: Work[T], *, write: bool, snapshot: bool = False, slow: bool = False
    ) -> T:
        """`work(connection)` in one transaction, committed when it returns. `snapshot`: a
        read whose statements all see one state of the database. `slow`: a read that may take
        more than a few milliseconds (a search, a list, a count), kept off the event loop's
        thread so that it delays no one else's requests."""
        ...

    async def listen(self, channel: str, callback: Callable[[], None]) -> Listener:
        """Calls `callback` whenever a transaction that notified `channel` commits (another
        process's too, where the database can tell)."""
        ...


# In-process listeners, per channel: SQLite can't tell other processes, which poll instead.
_local_listeners: dict[str, set[Callable[[], None]]] = {}


class _LocalListener:
    def __init__(self, channel: str, callback: Callable[[], None]) -> None:
        self.channel, self.callback = channel, callback
        _local_listeners.setdefault(channel, set()).add(callback)

    async def close(self) -> None:
        _local_listeners.get(self.channel, set()).discard(self.callback)


def _wake_local(channel: str) -> None:
    for callback in list(_local_listeners.get(channel, ())):
        callback()


# What a call raises when the database is down or unreachable (not when a statement is wrong).
UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    sqlite3.OperationalError,
)

_PLACEHOLDER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=1024)
def to_sqlite_sql(sql: str) -> str:
    return _PLACEHOLDER.sub(r"?\1", sql)


@lru_cache(maxsize=256)
def _parameter_count(sql: str) -> int:
    return max((int(n) for n in _PLACEHOLDER.findall(sql)), default=0)


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


# The jobs started in the background, until they end (a task nothing references may be collected).
_background: set[asyncio.Task[None]] = set()


def start_background(database: Database, job: Job) -> None:
    """Runs `job` on `database` in a task of its own: nothing waits for it, and a failure is
    only logged."""
    task = asyncio.create_task(_run_logged(database, job))
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _run_logged(database: Database, job: Job) -> None:
    try:
        await job(database)
    except Exception:
        log.warning("a background job failed", exc_info=True)


async def background_jobs_done() -> None:
    """Waits for every job started in the background, and those they started (for tests)."""
    while _background:
        await asyncio.gather(*_background)


class _AfterCommit:
    """Callbacks run once the connection's transaction is durable; dropped if it fails."""

    def __init__(self, database: Database | None) -> None:
        self._after_commit: list[Callable[[], None]] = []
        # None: a connection of its own, outside any database's (it runs no background job).
        self._database = database

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def in_background(self, job: Job) -> None:
        database = self._database
        assert database is not None, "a connection outside any database runs no job"
        self.after_commit(lambda: start_background(database, job))

    def _committed(self) -> None:
        for callback in self._take_callbacks():
            callback()

    def _take_callbacks(self) -> list[Callable[[], None]]:
        callbacks, self._after_commit = self._after_commit, []
        return callbacks


class SQLiteConnection(_AfterCommit):
    """Each call runs when it is made; awaiting it gives the result without suspending."""

    dialect: Dialect = SQLITE

    def __init__(self, raw: sqlite3.Connection, database: Database | None = None) -> None:
        super().__init__(database)
        self.raw = raw

    def fetch_one(self, sql: str, *args: Any) -> Ready[Row | None]:
        return Ready(self.raw.execute(to_sqlite_sql(sql), args).fetchone())

    def fetch_all(self, sql: str, *args: Any) -> Ready[list[Row]]:
        return Ready(self.raw.execute(to_sqlite_sql(sql), args).fetchall())

    def fetch_value(self, sql: str, *args: Any) -> Ready[Any]:
        row = self.raw.execute(to_sqlite_sql(sql), args).fetchone()
        return Ready(None if row is None else row[0])

    def execute(self, sql: str, *args: Any) -> Ready[int]:
        return Ready(self.raw.execute(to_sqlite_sql(sql), args).rowcount)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> Ready[None]:
        self.raw.executemany(to_sqlite_sql(sql), rows)
        return Ready(None)

    def execute_together(self, first: str, then: str, *args: Any) -> Ready[None]:
        self.raw.execute(to_sqlite_sql(first), args[: _parameter_count(first)])
        self.raw.execute(to_sqlite_sql(then), args[: _parameter_count(then)])
        return Ready(None)

    def lock(self, names: Sequence[tuple[str, ...]]) -> Ready[None]:
        # A write transaction holds the database's write lock already.
        return Ready(None)

    def notify(self, channel: str) -> Ready[None]:
        # After the commit: a worker woken sooner would find nothing and sleep again.
        self.after_commit(lambda: _wake_local(channel))
        return Ready(None)


async def _apply_search_indexes(raw: sqlite3.Connection) -> None:
    """Before each write batch's COMMIT: the changes queued for the contacts' and the
    opportunities' search indexes."""
    await apply_pending(raw)
    await opportunity_search.apply_pending(raw)


class SQLiteDatabase:
    dialect: Dialect = SQLITE

    def __init__(self, path: str) -> None:
        self.path = path
        # A read runs to completion without suspending: one connection serves them all, one
        # after another. (A pool would serve reads run in threads.)
        self._reader: SQLiteConnection | None = None
        self._all: list[SQLiteConnection] = []
        self._writer: GroupCommitWriter | None = None
        self._checkpoints: asyncio.Task[None] | None = None
        self._stop_checkpoints = asyncio.Event()
        self._slow_reads: ThreadPoolExecutor | None = None
        self._thread_reader = threading.local()
        self._opened_lock = threading.Lock()

    async def connect(self) -> None:
        prepare_sqlite_file(self.path)
        self._slow_reads = ThreadPoolExecutor(SLOW_READ_THREADS, "contactapi-slow-read")
        self._reader = SQLiteConnection(open_sqlite(self.path), self)
        self._all.append(self._reader)
        writer = SQLiteConnection(open_sqlite(self.path), self)
        # The writer walks the indexes of every write (the search index above all): a larger
        # page cache than the 2 MB default keeps their upper levels in memory (between batches
        # only while no other process writes: SQLite drops the cache when the file changed).
        writer.raw.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        writer.raw.execute(f"PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES}")
        self._all.append(writer)
        self._writer = GroupCommitWriter(
            writer.raw,
            before_commit=_apply_search_indexes,
            busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS,
            lock=WriteLock(self.path + "-writelock"),
            wal_path=self.path + "-wal",
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
        if self._slow_reads is not None:
            self._slow_reads.shutdown(wait=True)
            self._slow_reads = None
        for conn in self._all:
            conn.raw.close()
        self._all.clear()
        self._thread_reader = threading.local()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            if writer.lock is not None:
                writer.lock.close()

    async def run(
        self, work: Work[T], *, write: bool, snapshot: bool = False, slow: bool = False
    ) -> T:
        """A write runs inside the next write batch, which runs it, back to back with the
        others; a read runs at once on the reader connection, or, when `slow`, on a thread of
        the slow-read pool with a connection of its own (SQLite lets go of the GIL while it
        steps, so the event loop goes on serving meanwhile)."""
        if write:
            assert self._writer is not None, "database not connected"
            conn = SQLiteConnection(self._writer.raw, self)
            result = await self._writer.run(lambda raw: work(conn))
            conn._committed()
            return result
        if slow:
            assert self._slow_reads is not None, "database not connected"
            loop = asyncio.get_running_loop()
            result, callbacks = await loop.run_in_executor(
                self._slow_reads, self._read_in_thread, work, snapshot
            )
        else:
            assert self._reader is not None, "database not connected"
            result, callbacks = _read(self._reader, work, snapshot)
        for callback in callbacks:  # here, on the event loop's thread
            callback()
        return result

    def _read_in_thread(self, work: Work[T], snapshot: bool) -> tuple[T, list[Callable[[], None]]]:
        conn: SQLiteConnection | None = getattr(self._thread_reader, "conn", None)
        if conn is None:
            conn = self._thread_reader.conn = SQLiteConnection(open_sqlite(self.path), self)
            with self._opened_lock:
                self._all.append(conn)
        return _read(conn, work, snapshot)

    async def listen(self, channel: str, callback: Callable[[], None]) -> Listener:
        return _LocalListener(channel, callback)


def _read(
    reader: SQLiteConnection, work: Work[T], snapshot: bool
) -> tuple[T, list[Callable[[], None]]]:
    """The work's result, and the callbacks it left for after its end (taken off the
    connection, which other reads share; dropped if the work fails)."""
    try:
        if not snapshot:
            # Autocommit: each statement sees one committed state.
            result = run_now(work(reader))
        else:
            reader.raw.execute("BEGIN")
            try:
                result = run_now(work(reader))
            finally:
                if reader.raw.in_transaction:
                    reader.raw.execute("COMMIT")
    except BaseException:
        reader._take_callbacks()
        raise
    return result, reader._take_callbacks()


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class PostgresConnection(_AfterCommit):
    """Each call is made by the transaction's runner (`drive`) when the work awaits it.

    The transaction's BEGIN is not sent up front: it goes with the first call, in the same
    message when that call is a lock (the usual first call of a write), so a create pays no
    round trip for it; a work that makes no call pays none at all. `begin` None: no
    transaction, each statement commits alone (a plain read, as on SQLite)."""

    dialect: Dialect = POSTGRESQL

    def __init__(self, raw: asyncpg.Connection, begin: str | None, database: Database) -> None:
        super().__init__(database)
        self.raw = raw
        self._begin = begin
        # Whether a BEGIN was sent: the transaction then needs its COMMIT or ROLLBACK.
        self.begun = False

    def _take_begin(self) -> str | None:
        begin, self._begin = self._begin, None
        if begin is not None:
            self.begun = True
        return begin

    async def _call(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        begin = self._take_begin()
        if begin is not None:
            await self.raw.execute(begin)
        return await function(*args)

    def fetch_one(self, sql: str, *args: Any) -> Pending[Row | None]:
        return Pending(self._call, self.raw.fetchrow, sql, *args)

    def fetch_all(self, sql: str, *args: Any) -> Pending[list[Row]]:
        return Pending(self._call, self.raw.fetch, sql, *args)

    def fetch_value(self, sql: str, *args: Any) -> Pending[Any]:
        return Pending(self._call, self.raw.fetchval, sql, *args)

    def execute(self, sql: str, *args: Any) -> Pending[int]:
        return Pending(self._call, self._execute, sql, *args)

    async def _execute(self, sql: str, *args: Any) -> int:
        status: str = await self.raw.execute(sql, *args)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> Pending[None]:
        return Pending(self._call, self.raw.executemany, sql, rows)

    def execute_together(self, first: str, then: str, *args: Any) -> Pending[None]:
        return Pending(self._call, self.raw.execute, f"WITH first AS ({first}) {then}", *args)

    def lock(self, names: Sequence[tuple[str, ...]]) -> Pending[None]:
        # The subquery's ORDER BY is the order the locks are taken in, the same in every
        # transaction: no deadlock between them. The keys are integers of ours, written into
        # the SQL: a statement without parameters can share one message with the BEGIN.
        keys = ", ".join(str(key) for key in sorted({lock_key(*name) for name in names}))
        return Pending(
            self._lock,
            "SELECT pg_advisory_xact_lock(k)"
            f" FROM (SELECT k FROM unnest(ARRAY[{keys}]::bigint[]) AS k ORDER BY k) AS ordered",
        )

    async def _lock(self, sql: str) -> None:
        begin = self._take_begin()
        await self.raw.execute(f"{begin}; {sql}" if begin is not None else sql)

    def notify(self, channel: str) -> Pending[None]:
        # Delivered by PostgreSQL at the commit, to every process listening.
        return Pending(self._call, self.raw.execute, "SELECT pg_notify($1, '')", channel)

    async def end(self, statement: str) -> None:
        """COMMIT or ROLLBACK, when a BEGIN was sent."""
        if self.begun:
            self.begun = False
            await self.raw.execute(statement)


# The BEGIN of a transaction by (write, snapshot); a plain read (False, False) has none.
_BEGIN = {
    (True, False): "BEGIN ISOLATION LEVEL READ COMMITTED",
    (True, True): "BEGIN ISOLATION LEVEL REPEATABLE READ",
    (False, True): "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
}


class _PostgresListener:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def close(self) -> None:
        await self.connection.close()


class PostgresDatabase:
    dialect: Dialect = POSTGRESQL

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

    async def run(
        self, work: Work[T], *, write: bool, snapshot: bool = False, slow: bool = False
    ) -> T:
        """`snapshot`: every statement sees the state of the first (REPEATABLE READ). A plain
        read runs without a transaction: each statement sees one committed state, as in READ
        COMMITTED, with no BEGIN and COMMIT round trips. `slow` needs nothing here: the driver
        waits for the server without holding the loop."""
        assert self._pool is not None, "database not connected"
        begin = _BEGIN.get((write, snapshot))
        async with self._pool.acquire() as raw:
            conn = PostgresConnection(raw, begin, self)
            try:
                result = await drive(work(conn))
            except BaseException:
                # A failed ROLLBACK leaves the transaction open: the pool's release rolls it
                # back, or drops the connection.
                with contextlib.suppress(Exception):
                    await conn.end("ROLLBACK")
                raise
            await conn.end("COMMIT")
        conn._committed()
        return result

    async def listen(self, channel: str, callback: Callable[[], None]) -> Listener:
        """On a connection of its own, outside the pool (whose connections keep no state)."""
        connection = await asyncpg.connect(self.url)
        try:
            await connection.add_listener(channel, lambda *_: callback())
        except BaseException:
            await connection.close()
            raise
        return _PostgresListener(connection)


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """Pooled connections only ever run transactions, whose state (SET LOCAL, advisory xact
    locks) ends with them, and asyncpg rolls back any transaction left open before this. Its
    default reset (unlock all, close cursors, UNLISTEN, RESET ALL) would cost every request
    one more round trip. (The queue's LISTEN runs on a connection of its own.)"""


def create_database(settings: Settings) -> SQLiteDatabase | PostgresDatabase:
    if settings.is_postgresql:
        return PostgresDatabase(settings.database_url, settings.pool_size)
    return SQLiteDatabase(settings.sqlite_path)
