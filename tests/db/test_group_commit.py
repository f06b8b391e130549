"""Group commit: requests that share one SQLite transaction succeed or fail on their own,
unless SQLite itself rolled the whole transaction back."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from contactapi.db.engine import open_sqlite
from contactapi.db.group_commit import GroupCommitWriter


@pytest.fixture
def writer(tmp_path: Path) -> GroupCommitWriter:
    raw = open_sqlite(str(tmp_path / "batch.db"))
    raw.execute("CREATE TABLE t (x INTEGER)")
    return GroupCommitWriter(raw, before_commit=lambda raw: None)


def stored(writer: GroupCommitWriter) -> list[int]:
    return [row[0] for row in writer.raw.execute("SELECT x FROM t ORDER BY x")]


async def insert(writer: GroupCommitWriter, x: int, fail: bool = False) -> None:
    async with writer.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (?)", (x,))
        if fail:
            raise ValueError("this request fails")


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
    async def whole_rollback() -> None:
        async with writer.transaction() as conn:
            conn.execute("ROLLBACK")  # what SQLite does itself on a full disk or an I/O error
            raise sqlite3.OperationalError("disk I/O error")

    results = await asyncio.gather(
        insert(writer, 1), whole_rollback(), insert(writer, 3), return_exceptions=True
    )
    assert all(isinstance(result, sqlite3.OperationalError) for result in results), results
    assert stored(writer) == []
    await insert(writer, 4)  # the next batch works again
    assert stored(writer) == [4]
