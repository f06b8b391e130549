"""SQLite: a location past `SMALL_LOCATION` contacts searches an FTS5 index of its own, so what
other locations hold never changes its search's cost, and its answers are exactly the scan's
through the threshold crossing, creates, updates, deletes, tag renames and seeds."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from typer.testing import CliRunner

from contactapi.cli import app as cli
from contactapi.db import engine
from contactapi.db.search import pairs
from contactapi.db.search import sqlite as sqlite_search
from contactapi.db.search_index import AUTOMERGE
from tests.contacts.search_plans import force_plan
from tests.factories import Api, make_location, own_sqlite_app

THRESHOLD = 12


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sqlite_search, "SMALL_LOCATION", THRESHOLD)
    yield


@pytest.fixture(params=["index-keys", "index-walk", "walk-tested", "walk-cut-short"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each plan of the own index (tests/contacts/search_plans.py)."""
    force_plan(monkeypatch, request.param)
    monkeypatch.setattr(sqlite_search, "SMALL_LOCATION", THRESHOLD)
    return str(request.param)


def _app(api: Api) -> Starlette:
    app: Starlette = api.http._transport.app  # type: ignore[attr-defined]
    return app


def own_index(path: Path, location_id: str) -> str | None:
    """The name of the location's own index table, if it has one (and the table exists)."""
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT k, own_index FROM contacts_fts_locations WHERE location_id = ?",
            (location_id,),
        ).fetchone()
        if row is None or not row[1]:
            return None
        table = sqlite_search.own_index_table(row[0])
        # FTS5's own check of its structure (a contentless table has no content to compare).
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
        # Built with the segment merging that keeps creates cheap (db/search_index.py).
        (automerge,) = conn.execute(
            f"SELECT v FROM {table}_config WHERE k = 'automerge'"
        ).fetchone()
        assert automerge == AUTOMERGE
    return table


async def _page(api: Api, params: dict[str, Any]) -> dict[str, Any]:
    response = await api.get("/v1/contacts/", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _walk(api: Api, params: dict[str, Any]) -> tuple[int, list[str]]:
    """(total, ids of every page), following nextPageUrl."""
    body = await _page(api, params)
    total, ids = body["meta"]["total"], [c["id"] for c in body["contacts"]]
    while body["meta"]["nextPageUrl"] is not None:
        response = await api.get(body["meta"]["nextPageUrl"])
        body = response.json()
        assert body["meta"]["total"] == total
        ids += [c["id"] for c in body["contacts"]]
        assert len(ids) < 500, "the walk does not end"
    return total, ids


async def answers(api: Api, monkeypatch: pytest.MonkeyPatch, query: str) -> tuple[int, list[str]]:
    """A search's walk through its own index, checked against the same walk by a scan."""
    params = {"query": query, "limit": "3", "sortBy": "date_updated", "order": "desc"}
    indexed = await _walk(api, params)
    with monkeypatch.context() as scanning:
        scanning.setattr(sqlite_search, "SMALL_LOCATION", 10**9)
        scanned = await _walk(api, params)
    assert indexed == scanned, query
    return indexed


async def test_answers_stay_exact_across_the_crossing_and_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    path = tmp_path / "own.db"
    async with own_sqlite_app(path) as api:
        other = await make_location(_app(api), api.http)
        await other.make_contact(name="Walker Elsewhere", tags=["hot"])
        walkers = [await api.make_contact(name=f"Walker {n}", tags=["hot"]) for n in range(6)]
        assert own_index(path, api.location_id) is None, "small: scanned, no index"
        assert (await answers(api, monkeypatch, "walker"))[0] == 6

        # One request grows the location past the threshold: its batch builds the index.
        await asyncio.gather(*(api.make_contact(name=f"Stroller {n}") for n in range(THRESHOLD)))
        assert own_index(path, api.location_id) is not None
        assert own_index(path, other.location_id) is None
        total, ids = await answers(api, monkeypatch, "walker")
        assert total == 6 and set(ids) == {c["id"] for c in walkers}
        assert (await answers(api, monkeypatch, "stroller"))[0] == THRESHOLD

        # Creates, updates (in and out of the match), deletes.
        walkers.append(await api.make_contact(name="Walker New", phone="+18887324197"))
        renamed = await api.put(f"/v1/contacts/{walkers[0]['id']}", json={"name": "Runner"})
        assert renamed.status_code == 200
        await api.put(f"/v1/contacts/{walkers[1]['id']}", json={"city": "Walkerville"})
        assert (await api.delete(f"/v1/contacts/{walkers[2]['id']}")).status_code == 200
        total, ids = await answers(api, monkeypatch, "walker")
        assert walkers[-1]["id"] in ids and walkers[2]["id"] not in ids and total == len(ids)
        assert (await answers(api, monkeypatch, "runner"))[0] == 1
        assert (await answers(api, monkeypatch, "888-732"))[0] == 1

        # A tag rename rewrites every carrier's search document in one statement.
        tags = (await api.get("/v1/tags/")).json()["tags"]
        hot = next(t for t in tags if t["name"] == "hot")
        assert (await api.put(f"/v1/tags/{hot['id']}", json={"name": "tepid"})).status_code == 200
        assert (await answers(api, monkeypatch, "tepid"))[0] == 5
        assert (await answers(api, monkeypatch, "hot"))[0] == 0
        assert (await other.get("/v1/contacts/", params={"query": "hot"})).json()["meta"][
            "total"
        ] == 1
        assert own_index(path, api.location_id) is not None


async def test_a_seed_past_the_threshold_builds_the_index_and_a_later_seed_extends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    path = tmp_path / "seeded.db"
    async with own_sqlite_app(path) as api:
        await api.make_contact(name="Before Seed")
        for count in (40, 25):
            args = ["seed", "--location", api.location_id, "--count", str(count),
                    "--database", f"sqlite:///{path}"]  # fmt: skip
            result = await asyncio.to_thread(CliRunner().invoke, cli, args)
            assert result.exit_code == 0, result.output
            assert own_index(path, api.location_id) is not None
        body = await _page(api, {"limit": "100"})
        assert body["meta"]["total"] == 66
        for contact in body["contacts"][:10]:
            for query in (contact["lastName"], contact["email"] and contact["email"][1:9]):
                if query and len(query) >= 3:
                    assert (await answers(api, monkeypatch, query))[0] >= 1, query
        assert (await answers(api, monkeypatch, "before seed"))[0] == 1
        await api.make_contact(name="Zebediah Afterseed")
        assert (await answers(api, monkeypatch, "afterseed"))[0] == 1


async def test_a_dropped_index_is_scanned_and_built_again_by_the_next_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dropped.db"
    async with own_sqlite_app(path) as api:
        for n in range(THRESHOLD + 3):
            await api.make_contact(name=f"Keeper {n}")
        table = own_index(path, api.location_id)
        assert table is not None
        db = _app(api).state.db
        await db.run(lambda conn: conn.dialect.drop_search_index(conn, api.location_id), write=True)
        assert own_index(path, api.location_id) is None
        with sqlite3.connect(path) as conn:
            for name in (table, *pairs.tables(table)):  # the pair index with it
                found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,))
                assert found.fetchone() is None, name
        assert (await answers(api, monkeypatch, "keeper"))[0] == THRESHOLD + 3
        await api.make_contact(name="Keeper Last")
        assert own_index(path, api.location_id) is not None
        assert (await answers(api, monkeypatch, "keeper"))[0] == THRESHOLD + 4
        assert (await answers(api, monkeypatch, "keeper last"))[0] == 1


class StepCounter:
    """Counts the virtual-machine steps SQLite runs on the server's slow-read threads (where
    searches run), nested statements included (FTS5 reads its index through some)."""

    def __init__(self) -> None:
        self.steps = 0

    def opening(self, path: str) -> sqlite3.Connection:
        raw = open_sqlite_unpatched(path)
        raw.set_progress_handler(self._step, 1)
        return raw

    def _step(self) -> int:
        if threading.current_thread().name.startswith("contactapi-slow-read"):
            self.steps += 1
        return 0

    async def of_search(self, api: Api, query: str) -> tuple[int, int]:
        """(total, steps) of one search through HTTP."""
        before = self.steps
        body = await _page(api, {"query": query, "limit": "20"})
        return body["meta"]["total"], self.steps - before


open_sqlite_unpatched = engine.open_sqlite


@pytest.mark.parametrize("held_by_the_caller", [0, 3])
async def test_what_other_locations_hold_does_not_change_a_large_location_search_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: str, held_by_the_caller: int
) -> None:
    counter = StepCounter()
    monkeypatch.setattr(engine, "open_sqlite", counter.opening)
    query = "target.person@example.net"
    async with own_sqlite_app(tmp_path / "shared.db") as large:
        other = await make_location(_app(large), large.http)
        for n in range(THRESHOLD * 3):
            await large.make_contact(email=f"someone{n}@example.org", name=f"Person {n}")
        for n in range(held_by_the_caller):
            # Also a tag's name: the total may come from the tag's carriers (`_tag_total`).
            await large.make_contact(email=f"t{n}@example.com", name="Target", companyName=query,
                                     tags=[query])  # fmt: skip
        # Tagged already, as its contacts are there already: an index range scan ends by
        # stepping to the next entry, if any, one instruction more when another location's
        # entries follow the caller's (whichever location id sorts first): the same either way.
        for n in range(10):
            await other.make_contact(email=f"other{n}@example.org", name=f"Other {n}",
                                     tags=["other-tag"])  # fmt: skip
        assert own_index(tmp_path / "shared.db", large.location_id) is not None
        absent_elsewhere = await counter.of_search(large, query)
        # The other location now holds what the large one looks for, many times over.
        for n in range(20):
            email = query if n == 0 else f"t{n}@example.com"
            await other.make_contact(email=email, name="Target Person", companyName=query,
                                     tags=[query])  # fmt: skip
        assert (await other.get("/v1/contacts/", params={"query": query})).json()["meta"][
            "total"
        ] == 20
        present_elsewhere = await counter.of_search(large, query)
    assert absent_elsewhere[0] == present_elsewhere[0] == held_by_the_caller
    assert absent_elsewhere[1] == present_elsewhere[1], (absent_elsewhere, present_elsewhere)


async def test_a_deleted_location_s_own_index_goes_with_its_data(tmp_path: Path) -> None:
    from contactapi.jobs import JOB_HANDLERS
    from contactapi.queue.worker import Worker

    path = tmp_path / "own.db"
    async with own_sqlite_app(path) as api:
        app, agency = _app(api), api.agency
        assert agency is not None
        for _ in range(THRESHOLD + 3):
            await api.make_contact()
        table = own_index(path, api.location_id)
        assert table is not None
        deleted = await agency.delete(f"/v1/locations/{api.location_id}")
        assert deleted.status_code == 200
        await Worker(app.state.db, JOB_HANDLERS).run_until_idle()
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert tables.isdisjoint({table, *pairs.tables(table)})
        assert conn.execute("SELECT count(*) FROM contacts_fts_locations").fetchone()[0] == 0
