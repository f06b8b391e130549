"""Trigger links through HTTP: v1's object, its 422 map, the cap, isolation."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from contactapi.links import service
from tests.factories import Api, make_location

BODY = {"name": "Open house", "redirectTo": "https://example.com/open-house"}


async def test_links_are_created_read_listed_changed_and_deleted(api: Api) -> None:
    assert (await api.get("/v1/links")).json() == {"links": []}
    link = (await api.post("/v1/links/", json=BODY)).json()
    assert link == {"id": link["id"], "name": "Open house",
                    "redirectTo": "https://example.com/open-house",
                    "fieldKey": "{{trigger_link." + link["id"] + "}}",
                    "locationId": api.location_id}  # fmt: skip
    assert (await api.get(f"/v1/links/{link['id']}")).json() == link
    assert (await api.get("/v1/links/")).json() == {"links": [link]}
    body = {"name": "Price list", "redirectTo": "http://example.com/prices"}
    changed = (await api.put(f"/v1/links/{link['id']}", json=body)).json()
    assert changed == {**link, **body}
    response = await api.delete(f"/v1/links/{link['id']}")
    assert response.status_code == 200 and response.content == b""
    gone = await api.delete(f"/v1/links/{link['id']}")
    assert gone.json() == {"linkId": {"message": "The link id is invalid.", "rule": "invalid"}}


async def test_link_bodies_get_v1s_422_map(api: Api) -> None:
    response = await api.post("/v1/links/", json={})
    assert response.json() == {
        "name": {"message": "The name field is mandatory.", "rule": "required"},
        "redirectTo": {"message": "The redirect to field is mandatory.", "rule": "required"},
    }
    response = await api.post("/v1/links/", json={"name": "x", "redirectTo": "javascript:1"})
    assert set(response.json()) == {"redirectTo"}
    link = (await api.post("/v1/links/", json=BODY)).json()
    response = await api.put(f"/v1/links/{link['id']}", json={"name": "y"})
    assert set(response.json()) == {"redirectTo"}
    assert (await api.get(f"/v1/links/{link['id']}")).json() == link


async def test_a_location_holds_at_most_the_cap(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "MAX_TRIGGER_LINKS", 2)
    for _ in range(2):
        assert (await api.post("/v1/links/", json=BODY)).status_code == 200
    response = await api.post("/v1/links/", json=BODY)
    assert response.status_code == 422 and response.json()["link"]["rule"] == "max"


async def test_another_locations_link_is_unknown(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    other = await make_location(app, http)
    theirs = (await other.post("/v1/links/", json=BODY)).json()
    for method in ("GET", "PUT", "DELETE"):
        body = BODY if method == "PUT" else None
        response = await api.request(method, f"/v1/links/{theirs['id']}", json=body)
        assert response.status_code == 422 and set(response.json()) == {"linkId"}, method
    assert (await api.get("/v1/links")).json() == {"links": []}
    assert (await other.get(f"/v1/links/{theirs['id']}")).json() == theirs
