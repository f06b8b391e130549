"""Kept search counts (`db/search/kept.py`): a query whose total reaches the threshold is kept,
and its total stays the scan's through writes, concurrent ones included, and while it is being
kept. Contacts' totals are kept on PostgreSQL (on SQLite the same requests answer from its
indexes); opportunities' on both."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette

from contactapi.db.engine import Connection, background_jobs_done
from contactapi.db.search import kept
from contactapi.db.search import opportunities as opportunity_search
from tests.contacts.search_plans import force_plan, keep_every_query, kept_queries
from tests.factories import Api
from tests.opportunities.test_list import Board
from tests.pipelines.test_router import make_pipeline


async def totals(api: Api, query: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """(the total as planned, the scan's total) of `query`."""
    planned = (await api.get("/v1/contacts/", params={"query": query})).json()["meta"]["total"]
    with monkeypatch.context() as scanning:
        force_plan(scanning, "scan")
        body = (await api.get("/v1/contacts/", params={"query": query})).json()
    return planned, body["meta"]["total"]


async def kept_count(app: Starlette, location_id: str, text: str) -> int | None:
    async def read(conn: Connection) -> Any:
        return await conn.fetch_value(
            "SELECT sum(c.matches) FROM search_kept_queries q JOIN search_kept_counts c"
            " ON c.location_id = q.location_id AND c.query_id = q.id"
            " WHERE q.location_id = $1 AND q.text = $2",
            location_id,
            text,
        )

    found = await app.state.db.run(read, write=False)
    return None if found is None else int(found)


async def test_a_large_total_is_kept_and_follows_every_write(
    api: Api, app: Starlette, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    force_plan(monkeypatch, "kept")
    monkeypatch.setattr(kept, "KEEP_FROM", 3)
    made = [await api.make_contact(firstName="Jo", lastName="Keplerian") for _ in range(2)]
    assert await totals(api, "kepler", monkeypatch) == (2, 2)
    postgres = backend == "postgresql"
    if postgres:
        assert await kept_queries(app, api.location_id) == []  # under the threshold
    made.append(await api.make_contact(firstName="Jo", lastName="Keplerian"))
    assert await totals(api, "kepler", monkeypatch) == (3, 3)
    if postgres:
        assert await kept_queries(app, api.location_id) == [("c", "kepler")]
    # Concurrent creates, some matching; an update away and back; a tag; a delete.
    await asyncio.gather(*(
        api.make_contact(firstName="Jo", lastName="Kepler" if n % 2 else "Galilei")
        for n in range(12)
    ))  # fmt: skip
    moved = f"/v1/contacts/{made[0]['id']}"
    assert (await api.put(moved, json={"lastName": "Brahe"})).is_success
    assert (await api.put(f"/v1/contacts/{made[1]['id']}", json={"lastName": "Brahe"})).is_success
    assert (await api.put(moved, json={"lastName": "Kepler"})).is_success
    tags = f"/v1/contacts/{made[1]['id']}/tags"
    assert (await api.post(tags, json={"tags": ["kepler-fan"]})).is_success
    assert (await api.delete(f"/v1/contacts/{made[2]['id']}")).is_success
    # 3 - 1 (deleted) + 6 new: the one moved back, and the one tagged instead.
    assert await totals(api, "kepler", monkeypatch) == (8, 8)
    if postgres:
        assert await kept_count(app, api.location_id, "kepler") == 8


async def test_a_query_kept_while_others_write_counts_each_write_once(
    api: Api, app: Starlette, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searches that keep the query race creates that match it: whichever commits first, each
    create is counted once (in the kept count, or as a change after it)."""
    force_plan(monkeypatch, "kept")
    monkeypatch.setattr(kept, "KEEP_FROM", 1)
    await api.make_contact(firstName="Ray", lastName="Racewinner")

    async def create(n: int) -> None:
        await api.make_contact(firstName="Ray", lastName=f"Racewinner{n}")

    async def search(_: int) -> None:
        assert (await api.get("/v1/contacts/", params={"query": "racewin"})).is_success

    await asyncio.gather(*(create(n) if n % 3 else search(n) for n in range(30)))
    await background_jobs_done()
    assert await totals(api, "racewin", monkeypatch) == (21, 21)
    if backend == "postgresql":
        assert await kept_queries(app, api.location_id) == [("c", "racewin")]
        assert await kept_count(app, api.location_id, "racewin") == 21


async def test_past_the_limit_the_oldest_kept_query_goes(
    api: Api, app: Starlette, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    force_plan(monkeypatch, "kept")
    monkeypatch.setattr(kept, "MAX_KEPT", 2)
    for name in ("Ames", "Bell", "Cole"):
        await api.make_contact(firstName="Al", lastName=name)
    for query in ("ames", "bell", "cole"):
        assert await totals(api, query, monkeypatch) == (1, 1)
    await api.make_contact(firstName="Al", lastName="Ames")
    assert await totals(api, "ames", monkeypatch) == (2, 2)
    if backend == "postgresql":
        # `ames` went when `cole` was kept, and was kept again (newest) by its last search.
        assert await kept_queries(app, api.location_id) == [("c", "cole"), ("c", "ames")]
        assert await kept_count(app, api.location_id, "bell") is None


async def test_an_opportunity_query_kept_while_others_write_counts_each_write_once(
    api: Api, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both databases: opportunities' totals are kept, by pipeline, status and stage."""
    board = Board(api, await make_pipeline(api, "Sales", ("New",)))
    monkeypatch.setattr(opportunity_search, "SMALL_LOCATION", 2)
    monkeypatch.setattr(opportunity_search, "SMALL_LOCATION_POSTGRES", -1)
    monkeypatch.setattr(opportunity_search, "FEW_MATCHES", 0)  # SQLite: the kept total
    keep_every_query(monkeypatch)
    contact = await api.make_contact(firstName="Olive", lastName="Ovenbird")
    await board.add("Oven repair", contactId=contact["id"])
    await board.add("Garden", contactId=contact["id"], status="won")

    async def add(n: int) -> None:
        status = "won" if n % 2 else "open"
        await board.add(f"Oven {n}" if n % 4 < 2 else f"Shed {n}", contactId=contact["id"],
                        status=status)  # fmt: skip

    async def search(n: int) -> None:
        params = {"query": "oven", **({"status": "won"} if n % 2 else {})}
        assert (await api.get(board.url, params=params)).is_success

    await asyncio.gather(*(add(n) if n % 3 else search(n) for n in range(24)))
    await background_jobs_done()
    # Every opportunity is the contact's (`ovenbird`): all match `oven`.
    assert (await board.list(query="oven"))["meta"]["total"] == 2 + 16
    assert (await board.list(query="oven", status="won"))["meta"]["total"] == 1 + 8
    assert await kept_queries(app, api.location_id) == [("o", "oven"), ("o", "oven")]
    # The contact's name changes: only the titles still match.
    assert (await api.put(f"/v1/contacts/{contact['id']}", json={"lastName": "Finch"})).is_success
    titled = [o for o in (await board.list(limit=100))["opportunities"] if "Oven" in o["name"]]
    assert (await board.list(query="oven"))["meta"]["total"] == len(titled)
    won = [o for o in titled if o["status"] == "won"]
    assert (await board.list(query="oven", status="won"))["meta"]["total"] == len(won)
