"""Group commit: requests that share one SQLite transaction succeed or fail on their own,
unless SQLite itself rolled the whole transaction back."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from contactapi.db import engine
from contactapi.db.engine import open_sqlite
from contactapi.db.group_commit import DatabaseBusy, GroupCommitWriter, WriteLock
from tests.factories import own_sqlite_app


async def nothing_before_commit(raw: sqlite3.Connection) -> None:
    pass


def counting_batches(writer: GroupCommitWriter) -> list[int]:
    """A list that grows by one at each of the writer's commits."""
    batches: list[int] = []

    async def count(raw: sqlite3.Connection) -> None:
        batches.append(1)

    writer.before_commit = count
    return batches


def table_writer(
    path: str, busy_timeout_ms: int = 10_000, lock: WriteLock | None = None
) -> GroupCommitWriter:
    """A writer of a new database at `path` holding one table, `t (x)`."""
    raw = open_sqlite(path)
    raw.execute("CREATE TABLE t (x INTEGER)")
    return GroupCommitWriter(raw, nothing_before_commit, busy_timeout_ms, lock)


@pytest.fixture
def writer(tmp_path: Path) -> GroupCommitWriter:
    return table_writer(str(tmp_path / "batch.db"))


def stored(writer: GroupCommitWriter) -> list[int]:
    return [row[0] for row in writer.raw.execute("SELECT x FROM t ORDER BY x")]


async def insert(writer: GroupCommitWriter, x: int, fail: bool = False) -> None:
    async def work(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (?)", (x,))
        if fail:
            raise ValueError("this request fails")

    await writer.run(work)


async def test_a_failed_request_rolls_back_alone(writer: GroupCommitWriter) -> None:
    results = await asyncio.gather(
        insert(writer, 1), insert(writer, 2, fail=True), insert(writer, 3),
        return_exceptions=True,
    )  # fmt: skip
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert stored(writer) == [1, 3]


async def test_a_batch_rolled_back_whole_answers_nothing_as_written(
    writer: GroupCommitWriter,
) -> None:
    async def rolls_back_whole(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # what SQLite does itself on a full disk or an I/O error
        raise sqlite3.OperationalError("disk I/O error")

    async def whole_rollback() -> None:
        await writer.run(rolls_back_whole)

    results = await asyncio.gather(
        insert(writer, 1), whole_rollback(), insert(writer, 3), return_exceptions=True
    )
    assert all(isinstance(result, sqlite3.OperationalError) for result in results), results
    assert stored(writer) == []
    await insert(writer, 4)  # the next batch works again
    assert stored(writer) == [4]


async def test_writes_wait_for_another_writer_off_the_event_loop(tmp_path: Path) -> None:
    path = str(tmp_path / "locked.db")
    writer = table_writer(path)
    batches = counting_batches(writer)
    other = open_sqlite(path)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    writes = [asyncio.ensure_future(insert(writer, x)) for x in range(1, 6)]
    started = time.monotonic()
    for _ in range(20):  # the event loop keeps serving while the writes wait
        await asyncio.sleep(0.005)
    assert time.monotonic() - started < 1.0
    assert not any(write.done() for write in writes)
    other.execute("COMMIT")
    await asyncio.wait_for(asyncio.gather(*writes), 10)
    assert stored(writer) == [1, 2, 3, 4, 5]
    assert batches == [1], "the writes that waited share the batch that follows"


async def test_a_write_lock_held_past_the_busy_timeout_fails_the_waiting_writes(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "locked.db")
    writer = table_writer(path, busy_timeout_ms=100)
    other = open_sqlite(path)
    other.execute("BEGIN IMMEDIATE")
    results = await asyncio.gather(insert(writer, 1), insert(writer, 2), return_exceptions=True)
    assert all(isinstance(result, DatabaseBusy) for result in results), results
    other.execute("COMMIT")
    await insert(writer, 3)
    assert stored(writer) == [3]


async def test_the_server_keeps_reading_while_another_process_holds_the_write_lock(
    tmp_path: Path,
) -> None:
    async with own_sqlite_app(tmp_path / "shared.db") as api:
        other_process = open_sqlite(f"{tmp_path}/shared.db")
        other_process.execute("BEGIN IMMEDIATE")
        write = asyncio.ensure_future(api.post("/v1/contacts/", json={"email": "w@example.com"}))
        started = time.monotonic()
        listed = await api.get("/v1/contacts/")
        assert listed.status_code == 200 and time.monotonic() - started < 1.0
        assert not write.done()
        other_process.execute("COMMIT")
        assert (await asyncio.wait_for(write, 10)).status_code == 200


async def test_queued_works_run_in_one_batch_each_in_its_own_savepoint(
    writer: GroupCommitWriter,
) -> None:
    batches = counting_batches(writer)

    async def work(conn: sqlite3.Connection, x: int) -> int:
        conn.execute("INSERT INTO t VALUES (?)", (x,))
        if x == 2:
            raise ValueError("this work fails")
        return x * 10

    results = await asyncio.gather(
        *(writer.run(lambda conn, x=x: work(conn, x)) for x in (1, 2, 3)), return_exceptions=True
    )
    assert results[0] == 10 and results[2] == 30
    assert isinstance(results[1], ValueError)
    assert stored(writer) == [1, 3]
    assert batches == [1]


async def test_a_work_that_suspends_fails_and_leaves_nothing(writer: GroupCommitWriter) -> None:
    async def suspends(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (1)")
        await asyncio.sleep(0.01)  # the batch cannot wait for it: its lock is held for SQL only
        conn.execute("INSERT INTO t VALUES (2)")

    with pytest.raises(RuntimeError, match="suspends"):
        await writer.run(suspends)
    await insert(writer, 3)
    assert stored(writer) == [3]


async def test_writers_of_one_file_hand_the_lock_over_off_the_event_loop(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "shared.db")
    writer = table_writer(path, lock=WriteLock(path + "-writelock"))
    other_process = WriteLock(path + "-writelock")
    other_process.acquire()  # another process's batch holds the lock

    async def work(conn: sqlite3.Connection, x: int) -> None:
        conn.execute("INSERT INTO t VALUES (?)", (x,))

    writes = [asyncio.ensure_future(writer.run(lambda c, x=x: work(c, x))) for x in range(1, 4)]
    started = time.monotonic()
    for _ in range(20):  # the event loop keeps serving while the writes wait
        await asyncio.sleep(0.005)
    assert time.monotonic() - started < 1.0
    assert not any(write.done() for write in writes)
    assert stored(writer) == []
    other_process.release()
    await asyncio.wait_for(asyncio.gather(*writes), 10)
    assert stored(writer) == [1, 2, 3]
    assert other_process.try_acquire(), "the writer let the lock go after its commit"


async def test_queued_works_rolled_back_whole_answer_nothing_as_written(
    writer: GroupCommitWriter,
) -> None:
    async def work(conn: sqlite3.Connection, x: int) -> int:
        conn.execute("INSERT INTO t VALUES (?)", (x,))
        if x == 2:
            conn.execute("ROLLBACK")  # what SQLite does itself on a full disk or an I/O error
            raise sqlite3.OperationalError("disk I/O error")
        return x

    results = await asyncio.gather(
        *(writer.run(lambda conn, x=x: work(conn, x)) for x in (1, 2, 3)), return_exceptions=True
    )
    assert all(isinstance(result, sqlite3.OperationalError) for result in results), results
    assert stored(writer) == []
    assert await writer.run(lambda conn: work(conn, 4)) == 4  # the next batch works again
    assert stored(writer) == [4]


async def test_a_side_lock_held_past_the_busy_timeout_fails_the_writes_and_is_not_kept(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "shared.db")
    writer = table_writer(path, busy_timeout_ms=100, lock=WriteLock(path + "-writelock"))
    other_process = WriteLock(path + "-writelock")
    other_process.acquire()
    with pytest.raises(DatabaseBusy):
        await insert(writer, 1)
    other_process.release()
    # The wait that timed out still took the lock once it was free, and gave it back.
    for _ in range(100):
        await asyncio.sleep(0.01)
        if other_process.try_acquire():
            break
    else:
        raise AssertionError("the writer kept the lock after its batch gave up")
    other_process.release()
    await insert(writer, 2)
    assert stored(writer) == [2]


async def test_a_write_that_finds_the_database_busy_past_the_timeout_is_a_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    async with own_sqlite_app(tmp_path / "busy.db") as api:
        seed = open_sqlite(f"{tmp_path}/busy.db")  # a writer without the side lock
        seed.execute("BEGIN IMMEDIATE")
        response = await api.post("/v1/contacts/", json={"email": "busy@example.com"})
        assert response.status_code == 503
        assert response.json() == {"msg": "Service Unavailable"}
        assert response.headers["retry-after"] == "1"
        seed.execute("COMMIT")
        again = await api.post("/v1/contacts/", json={"email": "busy@example.com"})
        assert again.status_code == 200


async def test_a_batch_is_synced_outside_the_write_lock_and_answered_after_its_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "synced.db")
    raw = open_sqlite(path)
    raw.execute("CREATE TABLE t (x INTEGER)")
    lock_path = path + "-writelock"
    writer = GroupCommitWriter(
        raw, nothing_before_commit, 10_000, WriteLock(lock_path), wal_path=path + "-wal"
    )
    other_process = WriteLock(lock_path)
    fsync_started, fsync_may_end = threading.Event(), threading.Event()
    seen_at_fsync: list[tuple[bool, list[int]]] = []
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        # What another process sees while the WAL is synced: the lock free, the rows written.
        reader = open_sqlite(path)
        rows = [row[0] for row in reader.execute("SELECT x FROM t ORDER BY x")]
        reader.close()
        free = other_process.try_acquire()
        if free:
            other_process.release()
        seen_at_fsync.append((free, rows))
        fsync_started.set()
        fsync_may_end.wait(10)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    writes = asyncio.gather(insert(writer, 1), insert(writer, 2))
    await asyncio.to_thread(fsync_started.wait, 10)
    for _ in range(5):
        await asyncio.sleep(0.01)
    assert not writes.done(), "no write is answered before its batch is synced"
    fsync_may_end.set()
    await asyncio.wait_for(writes, 10)
    assert seen_at_fsync[0] == (True, [1, 2])
    await writer.drain()
    writer.close()


async def test_after_a_failed_fsync_no_write_is_answered_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "failing.db")
    raw = open_sqlite(path)
    raw.execute("CREATE TABLE t (x INTEGER)")
    writer = GroupCommitWriter(raw, nothing_before_commit, 10_000, wal_path=path + "-wal")
    real_fsync = os.fsync
    failures = [OSError(5, "Input/output error")]

    def failing_once(fd: int) -> None:
        # Linux may clear the error with the pages it could not write: the next fsync passes.
        if failures and os.path.realpath(f"/proc/self/fd/{fd}").endswith("-wal"):
            raise failures.pop()
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_once)
    with pytest.raises(sqlite3.OperationalError, match="could not be synced"):
        await insert(writer, 1)
    assert not failures
    with pytest.raises(sqlite3.OperationalError, match="could not be synced"):
        await insert(writer, 2)
    await writer.drain()
    writer.close()
