"""Campaigns and a contact's memberships through HTTP (contract section 4)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from tests.factories import Api, make_location

BAD_CONTACT = {"contactId": {"message": "The contact id is invalid.", "rule": "invalid"}}
BAD_CAMPAIGN = {"campaignId": {"message": "The campaign id is invalid.", "rule": "invalid"}}
UNKNOWN = "nosuchid000000000000"


def by_id(item: dict[str, Any]) -> str:
    return str(item["id"])


async def make_campaign(api: Api, name: str = "Test Campaign", **fields: Any) -> dict[str, Any]:
    response = await api.post("/v1/campaigns/", json={"name": name, **fields})
    assert response.status_code == 200, response.text
    campaign: dict[str, Any] = response.json()["campaign"]
    return campaign


async def test_create_read_and_list_with_status_filter(api: Api) -> None:
    draft = await make_campaign(api, "  Spring  ")
    assert set(draft) == {"id", "name", "status"}
    assert draft["name"] == "Spring" and draft["status"] == "draft"
    assert len(draft["id"]) == 20 and draft["id"].isalnum()
    published = await make_campaign(api, "Summer", status="Published", extra="ignored")
    assert published["status"] == "published"

    read = await api.get(f"/v1/campaigns/{draft['id']}")
    assert read.status_code == 200 and read.json() == {"campaign": draft}
    assert (await api.get(f"/v1/campaigns/{draft['id']}/")).json() == {"campaign": draft}

    # Listed by creation time; two made in the same millisecond may come in either order.
    for path in ("/v1/campaigns/", "/v1/campaigns"):
        listed = (await api.get(path)).json()["campaigns"]
        assert sorted(listed, key=by_id) == sorted([draft, published], key=by_id)
    only = await api.get("/v1/campaigns/", params={"status": "published"})
    assert only.json() == {"campaigns": [published]}
    assert (await api.get("/v1/campaigns/?status=draft")).json() == {"campaigns": [draft]}


async def test_campaigns_of_another_location_are_invisible(app: Starlette, api: Api) -> None:
    other = await make_location(app, api.http)
    theirs = await make_campaign(other, "Theirs")
    assert (await api.get("/v1/campaigns/")).json() == {"campaigns": []}
    response = await api.get(f"/v1/campaigns/{theirs['id']}")
    assert response.status_code == 422 and response.json() == BAD_CAMPAIGN
    response = await api.get(f"/v1/campaigns/{UNKNOWN}")
    assert response.status_code == 422 and response.json() == BAD_CAMPAIGN


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"name": "required"}),
        ({"name": "  "}, {"name": "required"}),
        ({"name": 5}, {"name": "invalid"}),
        ({"name": "x" * 256}, {"name": "max"}),
        ({"name": "ok", "status": "live"}, {"status": "invalid"}),
        ({"status": 3}, {"name": "required", "status": "invalid"}),
    ],
)
async def test_create_validation(api: Api, body: dict[str, Any], errors: dict[str, str]) -> None:
    response = await api.post("/v1/campaigns/", json=body)
    assert response.status_code == 422
    assert {key: value["rule"] for key, value in response.json().items()} == errors
    if errors.get("name") == "required":
        assert response.json()["name"]["message"] == "The name field is mandatory."
    assert (await api.get("/v1/campaigns/")).json() == {"campaigns": []}


async def test_create_without_a_json_object_is_400(api: Api) -> None:
    for raw in (b"", b"[]", b"nope"):
        response = await api.post("/v1/campaigns/", content=raw)
        assert response.status_code == 400 and response.json()["msg"] == "Bad Request"


async def test_list_with_unknown_status_is_422(api: Api) -> None:
    response = await api.get("/v1/campaigns/", params={"status": "bad"})
    assert response.status_code == 422
    assert response.json()["status"]["rule"] == "invalid"


async def test_add_is_idempotent_and_listed_with_date_added(api: Api) -> None:
    contact = await api.make_contact()
    first = await make_campaign(api, "First")
    second = await make_campaign(api, "Second", status="published")
    assert (await api.get(f"/v1/contacts/{contact['id']}/campaigns/")).json() == {"campaigns": []}
    for _ in range(2):
        response = await api.post(f"/v1/contacts/{contact['id']}/campaigns/{first['id']}")
        assert response.status_code == 200 and response.content == b""
    assert (await api.post(f"/v1/contacts/{contact['id']}/campaigns/{second['id']}/")).is_success

    listed = (await api.get(f"/v1/contacts/{contact['id']}/campaigns")).json()["campaigns"]
    # By date added (ties in one millisecond by id).
    assert sorted(c["id"] for c in listed) == sorted([first["id"], second["id"]])
    assert listed[0]["dateAdded"] <= listed[1]["dateAdded"]
    found = {c["id"]: c for c in listed}
    assert found[second["id"]] == {**second, "dateAdded": found[second["id"]]["dateAdded"]}
    assert all(c["dateAdded"].endswith("Z") and len(c["dateAdded"]) == 24 for c in listed)


async def test_remove_one_and_remove_all(api: Api) -> None:
    contact = await api.make_contact()
    bystander = await api.make_contact()
    campaigns = [await make_campaign(api, f"C{i}") for i in range(3)]
    for who in (contact, bystander):
        for campaign in campaigns:
            await api.post(f"/v1/contacts/{who['id']}/campaigns/{campaign['id']}")

    response = await api.delete(f"/v1/contacts/{contact['id']}/campaigns/{campaigns[0]['id']}")
    assert response.status_code == 200 and response.content == b""
    # Removing a contact that is not (any more) a member is not an error.
    again = await api.delete(f"/v1/contacts/{contact['id']}/campaigns/{campaigns[0]['id']}/")
    assert again.status_code == 200
    listed = (await api.get(f"/v1/contacts/{contact['id']}/campaigns/")).json()["campaigns"]
    assert {c["id"] for c in listed} == {campaigns[1]["id"], campaigns[2]["id"]}

    for path in ("remove-all", "remove-all/"):
        response = await api.delete(f"/v1/contacts/{contact['id']}/campaigns/{path}")
        assert response.status_code == 200 and response.content == b""
    assert (await api.get(f"/v1/contacts/{contact['id']}/campaigns/")).json() == {"campaigns": []}
    kept = (await api.get(f"/v1/contacts/{bystander['id']}/campaigns/")).json()["campaigns"]
    assert len(kept) == 3


async def test_remove_all_is_never_a_campaign_id(api: Api) -> None:
    contact = await api.make_contact()
    for path in ("remove-all", "remove-all/"):
        response = await api.post(f"/v1/contacts/{contact['id']}/campaigns/{path}")
        assert response.status_code == 405
        assert response.json() == {"msg": "Method Not Allowed"}
    assert (await api.get(f"/v1/contacts/{contact['id']}/campaigns/remove-all")).status_code == 405
    # A longer id that merely starts with the literal is an id like any other.
    response = await api.post(f"/v1/contacts/{contact['id']}/campaigns/remove-allx")
    assert response.status_code == 422 and response.json() == BAD_CAMPAIGN


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_membership_with_bad_ids_is_422_keyed_by_param(
    app: Starlette, api: Api, method: str
) -> None:
    contact = await api.make_contact()
    campaign = await make_campaign(api)
    other = await make_location(app, api.http)
    foreign_contact = await other.make_contact()
    foreign_campaign = await make_campaign(other)

    async def call(contact_id: str, campaign_id: str) -> tuple[int, Any]:
        response = await api.request(method, f"/v1/contacts/{contact_id}/campaigns/{campaign_id}")
        return response.status_code, response.json()

    assert await call(UNKNOWN, campaign["id"]) == (422, BAD_CONTACT)
    assert await call(foreign_contact["id"], campaign["id"]) == (422, BAD_CONTACT)
    assert await call(contact["id"], UNKNOWN) == (422, BAD_CAMPAIGN)
    assert await call(contact["id"], foreign_campaign["id"]) == (422, BAD_CAMPAIGN)
    assert await call(UNKNOWN, UNKNOWN) == (422, {**BAD_CONTACT, **BAD_CAMPAIGN})


async def test_contact_level_routes_with_bad_contact_are_422(app: Starlette, api: Api) -> None:
    other = await make_location(app, api.http)
    foreign = await other.make_contact()
    for contact_id in (UNKNOWN, foreign["id"]):
        listed = await api.get(f"/v1/contacts/{contact_id}/campaigns/")
        assert listed.status_code == 422 and listed.json() == BAD_CONTACT
        removed = await api.delete(f"/v1/contacts/{contact_id}/campaigns/remove-all")
        assert removed.status_code == 422 and removed.json() == BAD_CONTACT


async def test_campaign_routes_need_a_key(api: Api) -> None:
    contact = await api.make_contact()
    campaign = await make_campaign(api)
    member = f"/v1/contacts/{contact['id']}/campaigns/{campaign['id']}"
    for method, path in (
        ("GET", "/v1/campaigns/"),
        ("POST", "/v1/campaigns/"),
        ("GET", f"/v1/campaigns/{campaign['id']}"),
        ("POST", member),
        ("DELETE", member),
        ("DELETE", f"/v1/contacts/{contact['id']}/campaigns/remove-all"),
        ("GET", f"/v1/contacts/{contact['id']}/campaigns/"),
    ):
        response = await api.http.request(method, path, json={"name": "x"})
        assert response.status_code == 401, (method, path)
        assert response.json() == {"msg": "Unauthorized"}


async def test_deleting_a_contact_ends_its_memberships(app: Starlette, api: Api) -> None:
    contact = await api.make_contact()
    campaign = await make_campaign(api)
    await api.post(f"/v1/contacts/{contact['id']}/campaigns/{campaign['id']}")
    assert (await api.delete(f"/v1/contacts/{contact['id']}")).status_code == 200
    left = await app.state.db.run(
        lambda conn: conn.fetch_value(
            "SELECT COUNT(*) FROM campaign_members WHERE location_id = $1", api.location_id
        ),
        write=False,
    )
    assert left == 0
    assert (await api.get(f"/v1/campaigns/{campaign['id']}")).status_code == 200


async def test_openapi_describes_the_campaign_routes(api: Api) -> None:
    paths = (await api.http.get("/openapi.json")).json()["paths"]
    assert set(paths["/v1/campaigns/"]) == {"get", "post"}
    assert set(paths["/v1/campaigns/{campaignId}"]) == {"get"}
    assert set(paths["/v1/contacts/{contactId}/campaigns/"]) == {"get"}
    assert set(paths["/v1/contacts/{contactId}/campaigns/{campaignId}"]) == {"post", "delete"}
    assert set(paths["/v1/contacts/{contactId}/campaigns/remove-all"]) == {"delete"}
