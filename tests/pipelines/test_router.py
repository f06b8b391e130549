"""Pipelines through HTTP: v1's list, our create, get, PUT (the stage list replaced, kept
stages keep their ids and opportunities) and DELETE, the caps and the 422s."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.applications import Starlette

from contactapi import limits
from contactapi.limits import MAX_PIPELINES
from tests.factories import Api

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


async def make_pipeline(api: Api, name: str = "Sales", stages: tuple[str, ...] = ("New", "Won")
                        ) -> dict[str, Any]:  # fmt: skip
    response = await api.post("/v1/pipelines/", json={"name": name,
                              "stages": [{"name": stage} for stage in stages]})  # fmt: skip
    assert response.status_code == 200, response.text
    pipeline: dict[str, Any] = response.json()
    return pipeline


async def make_opportunity(api: Api, pipeline: dict[str, Any], stage: int = 0) -> dict[str, Any]:
    contact = await api.make_contact()
    response = await api.post(
        f"/v1/pipelines/{pipeline['id']}/opportunities/",
        json={"title": "Deal", "status": "open", "stageId": pipeline["stages"][stage]["id"],
              "contactId": contact["id"]},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    opportunity: dict[str, Any] = response.json()
    return opportunity


async def test_pipelines_are_created_listed_as_v1_and_read(api: Api) -> None:
    first = await make_pipeline(api, "First Pipeline", ("First Stage", "Second Stage"))
    assert first == {"id": first["id"], "name": "First Pipeline", "stages": [
        {"id": first["stages"][0]["id"], "name": "First Stage"},
        {"id": first["stages"][1]["id"], "name": "Second Stage"}]}  # fmt: skip
    assert re.fullmatch(r"[A-Za-z0-9]{20}", first["id"])
    assert all(UUID.fullmatch(stage["id"]) for stage in first["stages"])
    second = await make_pipeline(api, "Second")
    listed = (await api.get("/v1/pipelines")).json()
    assert listed == {"pipelines": [first, second]}
    assert (await api.get(f"/v1/pipelines/{first['id']}/")).json() == first
    params = {"limit": 1, "startAfterId": first["id"]}
    paged = (await api.get("/v1/pipelines/", params=params)).json()
    assert paged == {"pipelines": [second]}


async def test_put_replaces_the_stage_list_keeping_sent_ids(api: Api) -> None:
    pipeline = await make_pipeline(api, "Sales", ("New", "Offer", "Closed"))
    new, offer, closed = pipeline["stages"]
    response = await api.put(f"/v1/pipelines/{pipeline['id']}", json={
        "name": "Renamed", "stages": [{"id": closed["id"], "name": "Done"}, {"name": "Fresh"},
                                      {"id": new["id"], "name": "New"}]})  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Renamed"
    assert [s["name"] for s in body["stages"]] == ["Done", "Fresh", "New"]
    assert body["stages"][0]["id"] == closed["id"] and body["stages"][2]["id"] == new["id"]
    assert UUID.fullmatch(body["stages"][1]["id"]) and body["stages"][1]["id"] != offer["id"]
    assert (await api.get(f"/v1/pipelines/{pipeline['id']}")).json() == body


async def test_a_stage_holding_opportunities_cannot_be_left_out(api: Api) -> None:
    pipeline = await make_pipeline(api, "Sales", ("New", "Won"))
    new, won = pipeline["stages"]
    opportunity = await make_opportunity(api, pipeline, stage=1)
    url = f"/v1/pipelines/{pipeline['id']}"
    refused = await api.put(url, json={"name": "Sales", "stages": [{"id": new["id"],
                                                                    "name": "New"}]})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert set(refused.json()) == {"stages"} and won["id"] in refused.json()["stages"]["message"]
    assert (await api.get(url)).json() == pipeline
    # Kept (renamed, moved first), the stage and its opportunity stay.
    kept = await api.put(url, json={"name": "Sales", "stages": [{"id": won["id"], "name": "W"}]})
    assert kept.status_code == 200 and kept.json()["stages"] == [{"id": won["id"], "name": "W"}]
    again = await api.get(f"{url}/opportunities/{opportunity['id']}")
    assert again.json()["pipelineStageId"] == won["id"]


async def test_deleting_a_pipeline_with_opportunities_is_422(api: Api) -> None:
    pipeline = await make_pipeline(api)
    opportunity = await make_opportunity(api, pipeline)
    url = f"/v1/pipelines/{pipeline['id']}"
    refused = await api.delete(url)
    assert refused.status_code == 422
    assert refused.json()["pipelineId"]["rule"] == "invalid"
    assert "holds opportunities" in refused.json()["pipelineId"]["message"]
    assert (await api.delete(f"{url}/opportunities/{opportunity['id']}")).status_code == 200
    deleted = await api.delete(url)
    assert deleted.status_code == 200 and deleted.content == b""
    assert (await api.get(url)).json() == {
        "pipelineId": {"message": "The pipeline id is invalid.", "rule": "invalid"}}  # fmt: skip
    assert (await api.get("/v1/pipelines/")).json() == {"pipelines": []}


async def test_bad_bodies_answer_field_keyed_422s(api: Api) -> None:
    empty = await api.post("/v1/pipelines/", json={})
    assert empty.status_code == 422
    assert empty.json() == {
        "name": {"message": "The name field is mandatory.", "rule": "required"},
        "stages": {"message": "The stages field is mandatory.", "rule": "required"},
    }
    bad = await api.post("/v1/pipelines/", json={"name": "x" * 256, "stages": [
        {"name": "ok"}, "text", {"name": ""}, {"name": "a", "id": 5}]})  # fmt: skip
    assert bad.status_code == 422
    assert set(bad.json()) == {"name", "stages.1", "stages.2.name", "stages.3.id"}
    assert bad.json()["name"]["rule"] == "max"
    many = await api.post("/v1/pipelines/", json={"name": "n", "stages": [{"name": "s"}] * 101})
    assert many.status_code == 422 and many.json()["stages"]["rule"] == "max"
    not_list = await api.post("/v1/pipelines/", json={"name": "n", "stages": {"name": "s"}})
    assert not_list.status_code == 422 and set(not_list.json()) == {"stages"}
    pipeline = await make_pipeline(api)
    other = await make_pipeline(api, "Other")
    url = f"/v1/pipelines/{pipeline['id']}"
    foreign_stage = {"name": "x", "stages": [{"id": other["stages"][0]["id"], "name": "s"}]}
    refused = await api.put(url, json=foreign_stage)
    assert refused.json() == {"stages.0.id": {"message": "The stage id is invalid.",
                                              "rule": "invalid"}}  # fmt: skip
    twice = {"name": "x", "stages": [{"id": pipeline["stages"][0]["id"], "name": "a"},
                                     {"id": pipeline["stages"][0]["id"], "name": "b"}]}  # fmt: skip
    assert (await api.put(url, json=twice)).json()["stages.1.id"]["rule"] == "duplicate"
    assert (await api.get(url)).json() == pipeline


async def test_unknown_pipeline_ids_are_422_keyed_pipeline_id(api: Api) -> None:
    unknown = {"pipelineId": {"message": "The pipeline id is invalid.", "rule": "invalid"}}
    url = "/v1/pipelines/nosuchpipeline000000"
    assert (await api.get(url)).json() == unknown
    body = {"name": "n", "stages": [{"name": "s"}]}
    assert (await api.put(url, json=body)).json() == unknown
    assert (await api.delete(url)).json() == unknown
    page = await api.get("/v1/pipelines/", params={"startAfterId": "nosuchpipeline000000"})
    assert page.status_code == 422 and set(page.json()) == {"startAfterId"}


async def test_the_location_cap_is_a_422_max(
    api: Api, monkeypatch: Any, app: Starlette, http: httpx.AsyncClient
) -> None:
    assert MAX_PIPELINES == 10_000
    monkeypatch.setattr("contactapi.pipelines.service.MAX_PIPELINES", 2)
    await make_pipeline(api)
    await make_pipeline(api)
    refused = await api.post("/v1/pipelines/", json={"name": "Third", "stages": [{"name": "s"}]})
    assert refused.status_code == 422 and refused.json()["name"]["rule"] == "max"
    assert len((await api.get("/v1/pipelines/")).json()["pipelines"]) == 2
    assert limits.MAX_PAGE == 1000
