"""A snapshot read sees one state of the database, whatever commits meanwhile; a plain read's
next statement sees the commit (both backends)."""

from __future__ import annotations

from starlette.applications import Starlette

from contactapi.locations.service import create_location

COUNT = "SELECT count(*) FROM locations"


async def count_around_a_commit(app: Starlette, *, snapshot: bool) -> tuple[int, int]:
    db = app.state.db
    async with db.transaction(write=False, snapshot=snapshot) as conn:
        before = int(await conn.fetch_value(COUNT))
        async with db.transaction(write=True) as writer:
            await create_location(writer, "Committed meanwhile")
        after = int(await conn.fetch_value(COUNT))
    return before, after


async def test_a_snapshot_read_sees_one_state(app: Starlette) -> None:
    before, after = await count_around_a_commit(app, snapshot=True)
    assert after == before


async def test_a_plain_read_sees_each_commit(app: Starlette) -> None:
    before, after = await count_around_a_commit(app, snapshot=False)
    assert after == before + 1
