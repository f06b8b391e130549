"""Opportunities through HTTP: v1's object with the contact embedded, the contact found or
created as a contact upsert does, v1's 422 maps, status changes, and cascades."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.factories import Api
from tests.pipelines.test_router import make_pipeline

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


async def _user(api: Api) -> str:
    assert api.agency is not None
    body = {"firstName": "Sam", "lastName": "Seller", "email": "sam@example.com",
            "type": "account", "role": "user", "locationIds": [api.location_id]}  # fmt: skip
    response = await api.post("/v1/users/", json=body)
    assert response.status_code == 200, response.text
    user_id: str = response.json()["id"]
    return user_id


async def test_create_by_email_creates_the_contact_as_an_upsert_would(api: Api) -> None:
    pipeline = await make_pipeline(api)
    stage = pipeline["stages"][0]["id"]
    user = await _user(api)
    base = f"/v1/pipelines/{pipeline['id']}/opportunities/"
    body = {"title": "First Opp", "status": "open", "stageId": stage, "email": "Elon@Musk.com",
            "phone": "+1 888 732 4197", "name": "Elon Musk", "companyName": "Tesla",
            "tags": ["Buyer"], "monetaryValue": 122.22, "assignedTo": user,
            "source": "public api", "unknownKey": 1}  # fmt: skip
    response = await api.post(base, json=body)
    assert response.status_code == 200, response.text
    made = response.json()
    contact = made["contact"]
    assert made == {
        "id": made["id"], "name": "First Opp", "monetaryValue": 122.22,
        "pipelineId": pipeline["id"], "pipelineStageId": stage, "assignedTo": user,
        "status": "open", "source": "public api", "lastStatusChangeAt": made["createdAt"],
        "createdAt": made["createdAt"], "updatedAt": made["createdAt"],
        "contact": {"id": contact["id"], "name": "Elon Musk", "companyName": "Tesla",
                    "email": "Elon@Musk.com", "phone": "+18887324197", "tags": ["buyer"]},
    }  # fmt: skip
    assert ISO_MS.fullmatch(made["createdAt"])
    found = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
    assert found["firstName"] == "Elon" and found["companyName"] == "Tesla"
    # The same email again: the contact is found (and its tags merged), not duplicated.
    again = await api.post(base, json={**body, "email": "elon@musk.com", "tags": ["vip"],
                                       "monetaryValue": 5})  # fmt: skip
    assert again.json()["contact"]["id"] == contact["id"]
    assert again.json()["contact"]["tags"] == ["buyer", "vip"]
    assert again.json()["monetaryValue"] == 5
    lookup = await api.get("/v1/contacts/lookup", params={"email": "elon@musk.com"})
    assert len(lookup.json()["contacts"]) == 1
    read = (await api.get(f"{base}{made['id']}")).json()
    assert read == {
        **made,
        "contact": {**contact, "email": "elon@musk.com", "tags": ["buyer", "vip"]},
    }


async def test_create_by_contact_id_uses_that_contact(api: Api) -> None:
    pipeline = await make_pipeline(api)
    contact = await api.make_contact(name="Ann Lee", companyName="Acme", tags=["x"])
    response = await api.post(f"/v1/pipelines/{pipeline['id']}/opportunities", json={
        "title": "Deal", "status": "won", "stageId": pipeline["stages"][1]["id"],
        "contactId": contact["id"], "email": "ignored@example.com"})  # fmt: skip
    assert response.status_code == 200, response.text
    made = response.json()
    assert made["contact"] == {"id": contact["id"], "name": "Ann Lee", "companyName": "Acme",
                               "email": contact["email"], "phone": None, "tags": ["x"]}  # fmt: skip
    assert made["monetaryValue"] == 0 and made["assignedTo"] is None and made["source"] is None


async def test_v1s_422_map(api: Api) -> None:
    pipeline = await make_pipeline(api)
    base = f"/v1/pipelines/{pipeline['id']}/opportunities/"
    required = {
        "title": {"message": "The title field is mandatory.", "rule": "required"},
        "status": {"message": "The status field is mandatory.", "rule": "required"},
        "stageId": {"message": "The stage id field is mandatory.", "rule": "required"},
        "contactId or email": {"message": "The contactId or email field is mandatory.",
                               "rule": "required"},
    }  # fmt: skip
    assert (await api.post(base, json={})).json() == required
    opportunity = await _opportunity(api, pipeline)
    put = await api.put(f"{base}{opportunity['id']}", json={})
    assert put.status_code == 422 and put.json() == required


@pytest.mark.parametrize(
    ("change", "keys"),
    [
        ({"status": "pending"}, {"status"}),
        ({"monetaryValue": -1}, {"monetaryValue"}),
        ({"monetaryValue": "lots"}, {"monetaryValue"}),
        ({"monetaryValue": True}, {"monetaryValue"}),
        ({"monetaryValue": 1e300}, {"monetaryValue"}),
        ({"stageId": "7915dedc-8f18-44d5-8bc3-77c04e994a10"}, {"stageId"}),
        ({"contactId": "mTkSCb1UBjb5tk4OvB69"}, {"contactId"}),
        ({"assignedTo": "082goXVW3lIExEQPOnd3"}, {"assignedTo"}),
        ({"contactId": None, "email": "not an email"}, {"email"}),
        ({"contactId": None, "email": "a@b.co", "phone": "12"}, {"phone"}),
        ({"title": ["x"], "status": 3}, {"title", "status"}),
    ],
)
async def test_bad_fields_are_422_keyed_by_field(
    api: Api, change: dict[str, Any], keys: set[str]
) -> None:
    pipeline = await make_pipeline(api)
    contact = await api.make_contact()
    body = {"title": "T", "status": "open", "stageId": pipeline["stages"][0]["id"],
            "contactId": contact["id"], **change}  # fmt: skip
    base = f"/v1/pipelines/{pipeline['id']}/opportunities/"
    response = await api.post(base, json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422, response.text
    assert set(response.json()) == keys
    assert (await api.get(base)).json()["opportunities"] == []


async def test_a_stage_of_another_pipeline_is_refused(api: Api) -> None:
    pipeline, other = await make_pipeline(api), await make_pipeline(api, "Other")
    contact = await api.make_contact()
    response = await api.post(f"/v1/pipelines/{pipeline['id']}/opportunities/", json={
        "title": "T", "status": "open", "stageId": other["stages"][0]["id"],
        "contactId": contact["id"]})  # fmt: skip
    assert response.json() == {"stageId": {"message": "The stage id is invalid.",
                                           "rule": "invalid"}}  # fmt: skip


async def _opportunity(api: Api, pipeline: dict[str, Any], **fields: Any) -> dict[str, Any]:
    contact = await api.make_contact()
    body = {"title": "Deal", "status": "open", "stageId": pipeline["stages"][0]["id"],
            "contactId": contact["id"], **fields}  # fmt: skip
    response = await api.post(f"/v1/pipelines/{pipeline['id']}/opportunities/", json=body)
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    return made


async def test_put_and_status_move_last_status_change_only_on_a_new_status(api: Api) -> None:
    pipeline = await make_pipeline(api)
    first, second = (stage["id"] for stage in pipeline["stages"])
    made = await _opportunity(api, pipeline, monetaryValue=10, source="form")
    url = f"/v1/pipelines/{pipeline['id']}/opportunities/{made['id']}"
    await asyncio.sleep(0.005)
    renamed = {"title": "Renamed", "status": "open", "stageId": second,
               "contactId": made["contact"]["id"]}  # fmt: skip
    same_status = await api.put(url, json=renamed)
    assert same_status.status_code == 200, same_status.text
    body = same_status.json()
    assert body["name"] == "Renamed" and body["pipelineStageId"] == second
    assert body["monetaryValue"] == 10 and body["source"] == "form"  # not sent: kept
    assert body["lastStatusChangeAt"] == made["lastStatusChangeAt"]
    assert body["updatedAt"] > made["updatedAt"]
    await asyncio.sleep(0.005)
    status = await api.put(f"{url}/status", json={"status": "won", "stageId": first})
    assert status.status_code == 200 and status.content == b""
    won = (await api.get(url)).json()
    assert won["status"] == "won" and won["pipelineStageId"] == first
    assert won["lastStatusChangeAt"] > made["lastStatusChangeAt"]
    await asyncio.sleep(0.005)
    await api.put(f"{url}/status", json={"status": "won"})
    assert (await api.get(url)).json()["lastStatusChangeAt"] == won["lastStatusChangeAt"]
    cleared = await api.put(url, json={"title": "R", "status": "won", "stageId": first,
                                       "contactId": made["contact"]["id"],
                                       "monetaryValue": None, "assignedTo": None})  # fmt: skip
    assert cleared.json()["monetaryValue"] == 0 and cleared.json()["assignedTo"] is None
    bad = await api.put(f"{url}/status", json={"status": "done", "stageId": "nope"})
    assert bad.json() == {
        "status": {"message": "The status must be one of: open, won, lost, abandoned.",
                   "rule": "invalid"},
        "stageId": {"message": "The stage id is invalid.", "rule": "invalid"},
    }  # fmt: skip
    assert (await api.put(f"{url}/status", json={})).json()["status"]["rule"] == "required"


async def test_path_ids_must_match(api: Api) -> None:
    pipeline, other = await make_pipeline(api), await make_pipeline(api, "Other")
    made = await _opportunity(api, pipeline)
    wrong = f"/v1/pipelines/{other['id']}/opportunities/{made['id']}"
    unknown = {"opportunityId": {"message": "The opportunity id is invalid.", "rule": "invalid"}}
    assert (await api.get(wrong)).json() == unknown
    assert (await api.delete(wrong)).json() == unknown
    assert (await api.put(f"{wrong}/status", json={"status": "won"})).json() == unknown
    both = await api.get("/v1/pipelines/nosuchpipeline000000/opportunities/nosuch")
    assert set(both.json()) == {"pipelineId", "opportunityId"}
    listed = await api.get("/v1/pipelines/nosuchpipeline000000/opportunities/")
    assert listed.status_code == 422 and set(listed.json()) == {"pipelineId"}


async def test_deleting_a_contact_deletes_its_opportunities(api: Api) -> None:
    pipeline = await make_pipeline(api)
    kept, doomed = await _opportunity(api, pipeline), await _opportunity(api, pipeline)
    base = f"/v1/pipelines/{pipeline['id']}/opportunities/"
    assert (await api.get(base)).json()["meta"]["total"] == 2
    assert (await api.delete(f"/v1/contacts/{doomed['contact']['id']}")).status_code == 200
    listed = (await api.get(base)).json()
    assert [o["id"] for o in listed["opportunities"]] == [kept["id"]]
    assert listed["meta"]["total"] == 1  # the kept count follows the cascade
    assert (await api.get(f"{base}{doomed['id']}")).status_code == 422
    deleted = await api.delete(f"{base}{kept['id']}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert (await api.get(base)).json()["meta"]["total"] == 0
    assert (await api.delete(f"{base}{kept['id']}")).status_code == 422
