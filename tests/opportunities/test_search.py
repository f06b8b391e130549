"""`query` on a pipeline's opportunities: the opportunity's name and its contact's fields, with
exact totals and cursor walks, the same whether the location is scanned or searched through its
index (SQLite: an FTS5 table of its own past a threshold; PostgreSQL: pg_trgm), kept in step
with every write to an opportunity or its contact, and never reaching another location."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette

from contactapi.db.engine import Connection
from contactapi.db.search import opportunities as opportunity_search
from contactapi.db.search import opportunity_words
from contactapi.jobs import JOB_HANDLERS
from contactapi.queue.worker import Worker
from tests.contacts.search_plans import keep_every_query, kept_queries
from tests.factories import Api, make_agency, make_agency_location, make_location
from tests.opportunities.test_list import Board, walk
from tests.pipelines.test_router import make_pipeline


@pytest.fixture(params=["scan", "index-keys", "index-walk", "words-walk", "kept"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Scanned, or searched through the index (past a threshold of 2) by one of its plans:
    - index-keys: reading the matches (SQLite), or the GIN scan (PostgreSQL; a query of
      letter words counted from the word postings);
    - index-walk: walking createdAt keeping the matches, counted by the trigram index
      (SQLite), or testing each opportunity (PostgreSQL, counted from the postings);
    - words-walk: counted from the word index, walking createdAt testing each opportunity
      (SQLite; PostgreSQL as index-walk);
    - kept: every total counted from a word index is kept before the next request
      (`kept.py`), so later totals are the kept counts; the page as index-keys (PostgreSQL)
      or words-walk (SQLite)."""
    if request.param == "kept":
        keep_every_query(monkeypatch)
        monkeypatch.setattr(opportunity_search, "FEW_MATCHES", 0)  # SQLite: the kept total
    if request.param != "scan":
        monkeypatch.setattr(opportunity_search, "SMALL_LOCATION", 2)
        monkeypatch.setattr(opportunity_search, "SMALL_LOCATION_POSTGRES", -1)
    walk = request.param.endswith("-walk")
    monkeypatch.setattr(opportunity_search, "WALK_STEPS_PER_MATCH", 10**9 if walk else 0)
    if walk:
        monkeypatch.setattr(opportunity_search, "FEW_MATCHES", 0)
    if request.param == "index-walk":
        monkeypatch.setattr(opportunity_words, "MAX_TERMS", -1)
    yield str(request.param)


def _app(api: Api) -> Starlette:
    app: Starlette = api.http._transport.app  # type: ignore[attr-defined]
    return app


async def own_index(api: Api) -> str | None:
    """SQLite: the location's own index table, once its write batch has built it."""

    async def find(conn: Connection) -> str | None:
        if conn.dialect.name != "sqlite":
            return None
        k = await conn.fetch_value(
            "SELECT k FROM opportunities_fts_locations WHERE location_id = $1", api.location_id
        )
        return None if k is None else opportunity_search.own_index_table(int(k))

    found: str | None = await _app(api).state.db.run(find, write=False)
    return found


async def search(board: Board, query: str, **filters: Any) -> tuple[int, list[str]]:
    """(total, names) of the whole walk, two per page; every page says the same total, the
    walk sees each match once, and a scan answers the same."""
    params = {"query": query, "limit": 2, **filters}
    first = await board.list(**params)
    seen = await walk(board.api, board.url, params)
    ids = [o["id"] for o in seen]
    assert len(ids) == len(set(ids)) == first["meta"]["total"], (query, filters)
    return first["meta"]["total"], sorted(o["name"] for o in seen)


async def test_query_matches_the_name_and_the_contact_s_fields_with_exact_totals(
    board: Board, plan: str, backend: str
) -> None:
    api = board.api
    ada = await api.make_contact(firstName="Ada", lastName="Quillfeather",
                                 email="ada.q@lovelace.example", companyName="Engines Ltd",
                                 phone="+1 888-732-4197", tags=["Investor"])  # fmt: skip
    # `marsh` is in two of his words (counted once).
    bob = await api.make_contact(firstName="Bob", lastName="Marshall", email="bob@marsh.example")
    await board.add("Kitchen Remodel", contactId=ada["id"])
    await board.add("Porch and Kitchen", contactId=bob["id"])
    await board.add("Roof Deck", contactId=ada["id"], status="won")
    await board.add("Cabin", contactId=bob["id"])
    # Another pipeline of the location: its opportunities are never the board's matches.
    elsewhere = Board(api, await make_pipeline(api, "Rentals", ("New",)))
    await elsewhere.add("Kitchen elsewhere", contactId=ada["id"])
    assert await search(board, "kitchen") == (2, ["Kitchen Remodel", "Porch and Kitchen"])
    assert await search(board, "KITCHEN re") == (1, ["Kitchen Remodel"])
    assert await search(board, "itchen remodel") == (1, ["Kitchen Remodel"])
    assert await search(board, "h and") == (1, ["Porch and Kitchen"])
    ada_s = (2, ["Kitchen Remodel", "Roof Deck"])
    assert await search(board, "quillfeather") == ada_s  # the contact's name
    assert await search(board, "lovelace.example") == ada_s  # email
    assert await search(board, "ADA.Q@lovelace.example") == ada_s  # (its part before `@`...
    assert await search(board, "ada.q@elsewhere") == (0, [])  # ...is not all it takes)
    assert await search(board, "engines") == ada_s  # company
    assert await search(board, "investor") == ada_s  # tag
    assert await search(board, "888-732") == ada_s  # phone digits
    assert await search(board, "7324197") == ada_s
    assert await search(board, "marsh") == (2, ["Cabin", "Porch and Kitchen"])
    assert await search(board, "a") == (4, ["Cabin", "Kitchen Remodel", "Porch and Kitchen",
                                            "Roof Deck"])  # fmt: skip
    assert await search(board, "nowhere") == (0, [])
    assert await search(board, "kitchen", status="open") == (2, ["Kitchen Remodel",
                                                                 "Porch and Kitchen"])  # fmt: skip
    assert await search(board, "quill", status="won") == (1, ["Roof Deck"])
    assert await search(board, "quill", stageId=board.stages[1]) == (0, [])
    if backend == "sqlite":
        assert (await own_index(api) is None) == (plan == "scan")


async def test_a_walk_sees_every_match_once_as_others_are_written(board: Board, plan: str) -> None:
    contact = await board.api.make_contact(firstName="Wanda", lastName="Walker")
    made = [await board.add(f"Deal {n}", contactId=contact["id"]) for n in range(7)]
    for n in range(3):
        await board.add(f"Other {n}")
    params = {"query": "walker", "limit": 2}

    async def between() -> None:
        await board.add("Deal later", contactId=contact["id"])  # newer: never on a later page

    seen = await walk(board.api, board.url, params, between)
    assert sorted(o["id"] for o in seen) == sorted(o["id"] for o in made)
    # Four pages of two: three made between them, each found by the next query.
    total, names = await search(board, "walker")
    assert total == 7 + 3 and names.count("Deal later") == 3


async def test_contact_and_opportunity_writes_are_seen_by_the_next_query(
    board: Board, plan: str
) -> None:
    api = board.api
    carol = await api.make_contact(firstName="Carol", lastName="Oldname")
    dave = await api.make_contact(firstName="Dave", lastName="Dunmore")
    deal = await board.add("Villa", contactId=carol["id"])
    await board.add("Loft", contactId=carol["id"])
    await board.add("Condo", contactId=dave["id"])
    assert await search(board, "oldname") == (2, ["Loft", "Villa"])
    # The contact's name changes: its opportunities are found by the new name only.
    renamed = await api.put(f"/v1/contacts/{carol['id']}", json={"lastName": "Newname"})
    assert renamed.status_code == 200, renamed.text
    assert await search(board, "oldname") == (0, [])
    assert await search(board, "newname") == (2, ["Loft", "Villa"])
    # The opportunity's title changes.
    url = f"{board.url}{deal['id']}"
    body = {"title": "Duplex", "status": "open", "stageId": board.stages[0],
            "contactId": carol["id"]}  # fmt: skip
    assert (await api.put(url, json=body)).status_code == 200
    assert await search(board, "villa") == (0, [])
    assert await search(board, "duplex") == (1, ["Duplex"])
    # Won, then moved to the next stage: the status and stage filters follow.
    won = {**body, "status": "won"}
    assert (await api.put(url, json=won)).status_code == 200
    assert await search(board, "duplex", status="won") == (1, ["Duplex"])
    assert await search(board, "duplex", status="open") == (0, [])
    assert (await api.put(url, json={**won, "stageId": board.stages[1]})).status_code == 200
    assert await search(board, "duplex", stageId=board.stages[1]) == (1, ["Duplex"])
    assert await search(board, "duplex", stageId=board.stages[0]) == (0, [])
    # It moves to another contact: found by that contact's name, no longer by the first's.
    assert (await api.put(url, json={**body, "contactId": dave["id"]})).status_code == 200
    assert await search(board, "newname") == (1, ["Loft"])
    assert await search(board, "dunmore") == (2, ["Condo", "Duplex"])
    # Deleted: the opportunity, then a contact (and its opportunities with it).
    assert (await api.delete(url)).status_code == 200
    assert await search(board, "dunmore") == (1, ["Condo"])
    assert await search(board, "duplex") == (0, [])
    assert (await api.delete(f"/v1/contacts/{dave['id']}")).status_code == 200
    assert await search(board, "dunmore") == (0, [])
    assert await search(board, "condo") == (0, [])
    assert await search(board, "newname") == (1, ["Loft"])


async def test_another_location_s_opportunities_are_never_found(
    app: Starlette, http: Any, board: Board, plan: str, backend: str
) -> None:
    other = await make_location(app, http)
    theirs = Board(other, await make_pipeline(other, "Sales", ("New",)))
    for n in range(4):
        contact = await other.make_contact(firstName="Shared", lastName=f"Surname{n}")
        await theirs.add(f"Harbor view {n}", contactId=contact["id"])
    contact = await board.api.make_contact(firstName="Shared", lastName="Mine")
    for n in range(3):
        await board.add(f"Harbor view mine {n}", contactId=contact["id"])
    assert (await search(board, "harbor view"))[0] == 3
    assert (await search(theirs, "harbor view"))[0] == 4
    assert (await search(board, "surname")) == (0, [])
    assert (await search(theirs, "shared mine")) == (0, [])
    if plan != "scan" and backend == "sqlite":
        mine, their_index = await own_index(board.api), await own_index(other)
        assert mine is not None and their_index is not None and mine != their_index


async def test_a_purged_location_leaves_no_index_behind(
    app: Starlette, http: Any, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setattr(opportunity_search, "SMALL_LOCATION", 2)
    monkeypatch.setattr(opportunity_search, "SMALL_LOCATION_POSTGRES", -1)
    keep_every_query(monkeypatch)  # its kept counts go too
    agency = await make_agency(app, http)
    doomed = await make_agency_location(agency)
    board = Board(doomed, await make_pipeline(doomed, "Sales", ("New",)))
    for n in range(4):
        await board.add(f"Gone {n}")
    assert (await search(board, "gone"))[0] == 4
    assert await kept_queries(app, doomed.location_id) == [("o", "gone")]
    if backend == "sqlite":
        assert await own_index(doomed) is not None
    assert (await agency.delete(f"/v1/locations/{doomed.location_id}")).status_code == 200
    await Worker(app.state.db, JOB_HANDLERS).run_until_idle()

    async def leftovers(conn: Connection) -> list[str]:
        if conn.dialect.name == "sqlite":
            found = await conn.fetch_all(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name GLOB 'opportunities_fts_l[0-9]*'"
            )
            tables = {str(row["name"]) for row in found}
            registry = await conn.fetch_all(
                "SELECT k FROM opportunities_fts_locations WHERE location_id = $1",
                doomed.location_id,
            )
            live = {opportunity_search.own_index_table(int(r["k"])) for r in
                    await conn.fetch_all("SELECT k FROM opportunities_fts_locations")}  # fmt: skip
            # Every index table left (FTS5's shadow tables included) is a live location's.
            shadow = re.compile(r"(_words)?_?(terms|data|idx|content|docsize|config)?$")
            orphans = {t for t in tables if shadow.sub("", t) not in live}
            kept = await conn.fetch_all(
                "SELECT query_id FROM search_kept_counts WHERE location_id = $1"
                " UNION ALL SELECT id FROM search_kept_queries WHERE location_id = $1",
                doomed.location_id,
            )
            return [*orphans, *(str(r["k"]) for r in registry), *(str(r[0]) for r in kept)]
        count = await conn.fetch_value(
            "SELECT count(*) FROM opportunities WHERE location_id = $1", doomed.location_id
        )
        # The word index's postings and vocabulary go too.
        tables = ("opportunities_fts_words", "contacts_fts_vocabulary", "search_kept_queries",
                  "search_kept_counts")  # fmt: skip
        for table in tables:
            count += await conn.fetch_value(
                f"SELECT count(*) FROM {table} WHERE location_id = $1", doomed.location_id
            )
        return ["row"] * int(count)

    assert await app.state.db.run(leftovers, write=False) == []
