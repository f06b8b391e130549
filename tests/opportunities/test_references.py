"""Ids inside an opportunity body that name another location's records are refused like
unknown ids, and a stage removed while opportunities are created into it is never left
holding one (no 500 either way)."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette

from tests.factories import Api, make_location
from tests.opportunities.test_router import _user
from tests.pipelines.test_router import make_pipeline


async def test_another_locations_ids_in_a_body_are_unknown_ids(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    other = await make_location(app, http)
    theirs = await make_pipeline(other, "Theirs")
    their_contact = await other.make_contact()
    their_user = await _user(other)
    mine = await make_pipeline(api)
    base = f"/v1/pipelines/{mine['id']}/opportunities/"
    body = {"title": "T", "status": "open", "stageId": theirs["stages"][0]["id"],
            "contactId": their_contact["id"], "assignedTo": their_user}  # fmt: skip
    response = await api.post(base, json=body)
    assert response.json() == {
        "stageId": {"message": "The stage id is invalid.", "rule": "invalid"},
        "contactId": {"message": "The contact id is invalid.", "rule": "invalid"},
        "assignedTo": {"message": "The user id is invalid.", "rule": "invalid"},
    }
    stages = {"name": "x", "stages": [{"id": theirs["stages"][0]["id"], "name": "s"}]}
    refused = await api.put(f"/v1/pipelines/{mine['id']}", json=stages)
    assert set(refused.json()) == {"stages.0.id"}
    assert (await api.get(base)).json()["opportunities"] == []
    assert (await other.get(f"/v1/pipelines/{theirs['id']}")).json() == theirs


async def test_a_stage_removed_during_creates_into_it_holds_none(api: Api) -> None:
    pipeline = await make_pipeline(api, "Race", ("Doomed", "Kept"))
    doomed, kept = pipeline["stages"]
    contacts = [await api.make_contact() for _ in range(8)]
    base = f"/v1/pipelines/{pipeline['id']}/opportunities/"

    async def create(contact_id: str) -> httpx.Response:
        body = {"title": "T", "status": "open", "stageId": doomed["id"], "contactId": contact_id}
        return await api.post(base, json=body)

    async def remove() -> httpx.Response:
        await asyncio.sleep(0.002)
        return await api.put(f"/v1/pipelines/{pipeline['id']}",
                             json={"name": "Race", "stages": [kept]})  # fmt: skip

    answers = await asyncio.gather(*(create(c["id"]) for c in contacts), remove())
    assert all(a.status_code in (200, 422) for a in answers), [a.text for a in answers]
    listed = (await api.get(base, params={"limit": 100})).json()
    now = (await api.get(f"/v1/pipelines/{pipeline['id']}")).json()
    if answers[-1].status_code == 200:
        assert now["stages"] == [kept] and listed["opportunities"] == []
    else:
        assert answers[-1].json()["stages"]["rule"] == "invalid"
        assert doomed in now["stages"] and listed["opportunities"]
    created = sum(a.status_code == 200 for a in answers[:-1])
    assert listed["meta"]["total"] == len(listed["opportunities"]) == created
