"""The opportunity list: newest first, v1's cursor and meta (the contacts' implementation),
each filter with its exact total, and a walk that sees every lasting opportunity once while
others are written."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from tests.factories import Api
from tests.opportunities.test_router import _user
from tests.pipelines.test_router import make_pipeline


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


class Board:
    """A pipeline with three stages and helpers to fill it."""

    def __init__(self, api: Api, pipeline: dict[str, Any]) -> None:
        self.api = api
        self.pipeline = pipeline
        self.stages = [stage["id"] for stage in pipeline["stages"]]
        self.url = f"/v1/pipelines/{pipeline['id']}/opportunities/"

    async def add(self, title: str, stage: int = 0, **fields: Any) -> dict[str, Any]:
        body = {"title": title, "status": "open", "stageId": self.stages[stage], **fields}
        if "contactId" not in body and "email" not in body:
            body["contactId"] = (await self.api.make_contact())["id"]
        response = await self.api.post(self.url, json=body)
        assert response.status_code == 200, response.text
        made: dict[str, Any] = response.json()
        return made

    async def list(self, **params: Any) -> dict[str, Any]:
        response = await self.api.get(self.url, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def names(self, **params: Any) -> list[str]:
        body = await self.list(**params)
        assert body["meta"]["total"] == len(body["opportunities"]), (params, body["meta"])
        return [o["name"] for o in body["opportunities"]]


async def walk(api: Api, url: str, params: dict[str, Any], between: Any = None
               ) -> list[dict[str, Any]]:  # fmt: skip
    """Every page, following nextPageUrl until it is null."""
    seen: list[dict[str, Any]] = []
    next_url: str | None = url
    first = True
    while next_url is not None:
        response = await api.get(next_url, params=params if first else None)
        assert response.status_code == 200, response.text
        first = False
        body = response.json()
        seen.extend(body["opportunities"])
        next_url = body["meta"]["nextPageUrl"]
        if between is not None and next_url is not None:
            await between()
        assert len(seen) < 500, "the walk does not end"
    return seen


async def test_newest_first_with_v1s_meta(board: Board) -> None:
    made = [await board.add(f"Deal {i}") for i in range(5)]
    first = await board.list(limit=2, status="open")
    assert [o["id"] for o in first["opportunities"]] == [made[4]["id"], made[3]["id"]]
    meta = first["meta"]
    last = first["opportunities"][-1]
    assert meta["total"] == 5 and meta["currentPage"] == 1 and meta["nextPage"] == 2
    assert meta["prevPage"] is None
    assert meta["startAfterId"] == last["id"] and meta["startAfter"] == _ms(last["createdAt"])
    assert meta["nextPageUrl"].startswith(f"http://testserver{board.url.rstrip('/')}")
    assert "status=open" in meta["nextPageUrl"] and "limit=2" in meta["nextPageUrl"]
    seen = await walk(board.api, board.url, {"limit": 2})
    assert [o["id"] for o in seen] == [o["id"] for o in reversed(made)]
    # startAfterId alone continues after that opportunity; the total still counts every match.
    after = await board.list(startAfterId=made[2]["id"])
    assert [o["id"] for o in after["opportunities"]] == [made[1]["id"], made[0]["id"]]
    assert after["meta"]["total"] == 5 and after["meta"]["nextPageUrl"] is None
    numbered = await board.list(limit=2, page=3)
    assert [o["id"] for o in numbered["opportunities"]] == [made[0]["id"]]
    assert numbered["meta"]["prevPage"] == 2 and numbered["meta"]["nextPage"] is None


async def test_each_filter_with_its_total(board: Board) -> None:
    user = await _user(board.api)
    ann = {
        "email": "ann@acme.com",
        "name": "Ann Archer",
        "companyName": "Acme Roofing",
        "phone": "+18887324197",
        "monetaryValue": 100,
    }
    await board.add("Alpha Roof", 0, **ann)
    await asyncio.sleep(0.003)
    middle = await board.add("Beta Porch", 1, status="won", assignedTo=user, monetaryValue=500)
    await asyncio.sleep(0.003)
    await board.add("Gamma Deck", 2, status="lost", assignedTo=user, monetaryValue=50.5)
    assert await board.names() == ["Gamma Deck", "Beta Porch", "Alpha Roof"]
    assert await board.names(status="won") == ["Beta Porch"]
    assert await board.names(status="abandoned") == []
    assert await board.names(stageId=board.stages[2]) == ["Gamma Deck"]
    assert await board.names(stageId=board.stages[1], status="lost") == []
    assert await board.names(assignedTo=user) == ["Gamma Deck", "Beta Porch"]
    assert await board.names(monetaryValue=100) == ["Beta Porch", "Alpha Roof"]
    assert await board.names(monetaryValue="50.5", status="lost") == ["Gamma Deck"]
    created = _ms(middle["createdAt"])
    assert await board.names(startDate=created) == ["Gamma Deck", "Beta Porch"]
    assert await board.names(endDate=created) == ["Beta Porch", "Alpha Roof"]
    assert await board.names(startDate=created, endDate=created) == ["Beta Porch"]
    for query in ("alpha", "ROOF", "ann arch", "ann@acme", "acme roof", "888-732", "4197"):
        assert await board.names(query=query) == ["Alpha Roof"], query
    assert await board.names(query="a", status="won") == ["Beta Porch"]
    assert await board.names(query="nothing like it") == []
    assert await board.names(stageId="7915dedc-8f18-44d5-8bc3-77c04e994a10") == []


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"startAfter": "yesterday"}, "startAfter"),
        ({"page": "0"}, "page"),
        ({"status": "pending"}, "status"),
        ({"monetaryValue": "-3"}, "monetaryValue"),
        ({"startDate": "2020-01-01"}, "startDate"),
        ({"endDate": "-1"}, "endDate"),
        ({"query": "x" * 256}, "query"),
        ({"startAfterId": "nosuchopportunity000"}, "startAfterId"),
    ],
)
async def test_bad_parameters_answer_422_keyed_by_parameter(
    board: Board, params: dict[str, str], key: str
) -> None:
    await board.add("Deal")
    response = await board.api.get(board.url, params=params)
    assert response.status_code == 422, response.text
    assert set(response.json()) == {key}


async def test_walk_while_writing_sees_every_lasting_opportunity_once(board: Board) -> None:
    lasting = [await board.add(f"Lasting {i}", i % 3) for i in range(10)]
    doomed = [await board.add(f"Doomed {i}") for i in range(4)]
    moved = [await board.add(f"Moved {i}") for i in range(4)]
    step = 0

    async def write_between_pages() -> None:
        nonlocal step
        await board.add(f"Newcomer {step}")
        if step < len(doomed):
            url = f"{board.url}{doomed[step]['id']}"
            assert (await board.api.delete(url)).status_code == 200
        if step < len(moved):
            url = f"{board.url}{moved[step]['id']}/status"
            response = await board.api.put(url, json={"status": "won", "stageId": board.stages[2]})
            assert response.status_code == 200
        step += 1

    seen = await walk(board.api, board.url, {"limit": 3}, write_between_pages)
    ids = [o["id"] for o in seen]
    assert len(ids) == len(set(ids)), "an opportunity was visited twice"
    assert {o["id"] for o in lasting + moved} <= set(ids)
    assert step >= 4
    total = (await board.list())["meta"]["total"]
    assert total == len(lasting) + len(moved) + step


async def test_the_kept_counts_follow_every_write(board: Board) -> None:
    """The totals of status and stage filters are sums of kept counts: checked against the
    rows after creates, moves, status changes, deletes and a contact's cascade."""
    contact = await board.api.make_contact()
    made = [await board.add(f"D{i}", i % 3, contactId=contact["id"]) for i in range(6)]
    others = [await board.add(f"E{i}", 1) for i in range(3)]
    await board.api.put(f"{board.url}{made[0]['id']}/status", json={"status": "won"})
    await board.api.put(f"{board.url}{others[0]['id']}", json={
        "title": "E0", "status": "lost", "stageId": board.stages[2],
        "contactId": others[0]["contact"]["id"]})  # fmt: skip
    await board.api.delete(f"{board.url}{others[1]['id']}")
    for stage in [None, *board.stages]:
        for status in (None, "open", "won", "lost"):
            params = {k: v for k, v in (("stageId", stage), ("status", status)) if v}
            await board.names(**params)  # asserts total == rows listed
    await board.api.delete(f"/v1/contacts/{contact['id']}")
    assert await board.names() == ["E2", "E0"]
    assert await board.names(status="open") == ["E2"]


async def test_another_pipelines_opportunities_are_never_listed(api: Api, board: Board) -> None:
    await board.add("Mine")
    other = Board(api, await make_pipeline(api, "Other"))
    assert await other.names() == []
