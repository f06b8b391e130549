"""`Database.run`: a write is all or nothing, whichever call opened its transaction (on
PostgreSQL the BEGIN goes with the first call, in one message when that is a lock); a work
that makes no call costs nothing (both backends)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from contactapi.db.engine import Connection
from tests.factories import Api

NAME = "SELECT name FROM locations WHERE id = $1"
RENAME = "UPDATE locations SET name = $2 WHERE id = $1"


async def name_of(app: Starlette, location_id: str) -> str:
    async def read(conn: Connection) -> str:
        return str(await conn.fetch_value(NAME, location_id))

    name: str = await app.state.db.run(read, write=False)
    return name


@pytest.mark.parametrize("first_call", ["lock", "statement"])
async def test_a_write_that_fails_leaves_nothing(app: Starlette, api: Api, first_call: str) -> None:
    before = await name_of(app, api.location_id)

    async def fails(conn: Connection) -> None:
        if first_call == "lock":
            await conn.lock([(api.location_id, "test", "name")])
        await conn.execute(RENAME, api.location_id, "renamed, then rolled back")
        raise RuntimeError("the work fails")

    with pytest.raises(RuntimeError):
        await app.state.db.run(fails, write=True)
    assert await name_of(app, api.location_id) == before


@pytest.mark.parametrize("first_call", ["lock", "statement"])
async def test_a_write_is_committed_whichever_call_opened_it(
    app: Starlette, api: Api, first_call: str
) -> None:
    async def renames(conn: Connection) -> None:
        if first_call == "lock":
            await conn.lock([(api.location_id, "test", "name")])
        await conn.execute(RENAME, api.location_id, f"renamed after a {first_call}")

    await app.state.db.run(renames, write=True)
    assert await name_of(app, api.location_id) == f"renamed after a {first_call}"


async def test_a_work_without_calls_runs(app: Starlette) -> None:
    async def nothing(conn: Connection) -> int:
        return 7

    assert await app.state.db.run(nothing, write=True) == 7
    assert await app.state.db.run(nothing, write=False, snapshot=True) == 7
