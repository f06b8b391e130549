"""A snapshot read sees one state of the database, whatever commits meanwhile; a plain read's
next statement sees the commit (both backends)."""

from __future__ import annotations

import sqlite3

import psycopg
from starlette.applications import Starlette

from contactapi.db.engine import Connection
from contactapi.settings import Settings

COUNT = "SELECT count(*) FROM locations"
INSERT = (
    "INSERT INTO locations (id, name, allow_duplicate_contacts, country, created_at)"
    " VALUES ('snapshot{n}', 'Committed meanwhile', false, 'US', 0)"
)


def commit_elsewhere(settings: Settings, n: int) -> None:
    """A write committed by another connection, as another process makes it: synchronous,
    so a transaction's work may make it between two of its own statements."""
    if settings.is_postgresql:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(INSERT.format(n=n))
    else:
        conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        try:
            conn.execute(INSERT.format(n=n))
        finally:
            conn.close()


async def count_around_a_commit(app: Starlette, *, snapshot: bool) -> tuple[int, int]:
    async def read(conn: Connection) -> tuple[int, int]:
        before = int(await conn.fetch_value(COUNT))
        commit_elsewhere(app.state.settings, 1 if snapshot else 2)
        after = int(await conn.fetch_value(COUNT))
        return before, after

    result: tuple[int, int] = await app.state.db.run(read, write=False, snapshot=snapshot)
    return result


async def test_a_snapshot_read_sees_one_state(app: Starlette) -> None:
    before, after = await count_around_a_commit(app, snapshot=True)
    assert after == before


async def test_a_plain_read_sees_each_commit(app: Starlette) -> None:
    before, after = await count_around_a_commit(app, snapshot=False)
    assert after == before + 1
