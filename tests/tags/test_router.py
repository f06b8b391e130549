"""Tags on a contact through HTTP (contract section 3), and the location's tags in use."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from starlette.applications import Starlette

from tests.factories import Api, make_location

TAGS_REQUIRED = {"tags": {"message": "The tags field is mandatory.", "rule": "required"}}


async def test_add_normalises_keeps_first_order_and_answers_all_tags(api: Api) -> None:
    contact = await api.make_contact(tags=["Existing"])
    response = await api.post(
        f"/v1/contacts/{contact['id']}/tags/",
        json={"tags": ["  Dolore Cillum ", "existing", "ex proident", "DOLORE cillum", ""]},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"tags": ["existing", "dolore cillum", "ex proident"]}
    again = await api.post(f"/v1/contacts/{contact['id']}/tags", json={"tags": ["new"]})
    assert again.json() == {"tags": ["existing", "dolore cillum", "ex proident", "new"]}
    stored = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
    assert stored["tags"] == ["existing", "dolore cillum", "ex proident", "new"]
    assert stored["dateUpdated"] >= contact["dateUpdated"]


async def test_add_sent_as_curl_form_content_type(api: Api) -> None:
    contact = await api.make_contact()
    response = await api.post(
        f"/v1/contacts/{contact['id']}/tags/",
        content=orjson.dumps({"tags": ["n", "in dolore esse dol"]}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json() == {"tags": ["n", "in dolore esse dol"]}


async def test_delete_removes_case_insensitively_with_a_json_body(api: Api) -> None:
    contact = await api.make_contact(tags=["a", "b", "c"])
    response = await api.delete(
        f"/v1/contacts/{contact['id']}/tags/", json={"tags": [" B ", "missing"]}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"tags": ["a", "c"]}
    slashless = await api.delete(f"/v1/contacts/{contact['id']}/tags", json={"tags": ["A"]})
    assert slashless.json() == {"tags": ["c"]}
    stored = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
    assert stored["tags"] == ["c"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("body", [{}, {"tags": []}, {"tags": None}, {"tags": ["", "  "]}])
async def test_missing_or_empty_tags_is_422_required(api: Api, method: str, body: object) -> None:
    contact = await api.make_contact(tags=["keep"])
    response = await api.request(method, f"/v1/contacts/{contact['id']}/tags/", json=body)
    assert response.status_code == 422
    assert response.json() == TAGS_REQUIRED


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_tags_not_a_list_of_strings_is_422_invalid(api: Api, method: str) -> None:
    contact = await api.make_contact()
    for bad in ("a,b", [1, 2], {"a": 1}):
        response = await api.request(
            method, f"/v1/contacts/{contact['id']}/tags/", json={"tags": bad}
        )
        assert response.status_code == 422
        assert response.json()["tags"]["rule"] == "invalid"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_body_missing_or_not_an_object_is_400(api: Api, method: str) -> None:
    contact = await api.make_contact()
    for raw in (b"", b"[1]", b"{"):
        response = await api.request(method, f"/v1/contacts/{contact['id']}/tags/", content=raw)
        assert response.status_code == 400
        assert response.json()["msg"] == "Bad Request"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_unknown_or_foreign_contact_is_422_contact_id(
    app: Starlette, api: Api, method: str
) -> None:
    other = await make_location(app, api.http)
    foreign = await other.make_contact(tags=["theirs"])
    for contact_id in ("nosuchcontact0000000", foreign["id"]):
        response = await api.request(
            method, f"/v1/contacts/{contact_id}/tags/", json={"tags": ["x"]}
        )
        assert response.status_code == 422
        assert response.json() == {
            "contactId": {"message": "The contact id is invalid.", "rule": "invalid"}
        }
    assert (await other.get(f"/v1/contacts/{foreign['id']}")).json()["contact"]["tags"] == [
        "theirs"
    ]


async def test_tag_routes_need_a_key(api: Api) -> None:
    contact = await api.make_contact()
    for method, path in (
        ("POST", f"/v1/contacts/{contact['id']}/tags/"),
        ("DELETE", f"/v1/contacts/{contact['id']}/tags/"),
        ("GET", "/v1/tags/"),
    ):
        response = await api.http.request(method, path, json={"tags": ["x"]})
        assert response.status_code == 401
        assert response.json() == {"msg": "Unauthorized"}


async def test_twenty_concurrent_adds_leave_all_twenty(api: Api) -> None:
    contact = await api.make_contact()
    url = f"/v1/contacts/{contact['id']}/tags/"
    responses = await asyncio.gather(*(api.post(url, json={"tags": [f"t{i}"]}) for i in range(20)))
    assert all(r.status_code == 200 for r in responses)
    tags = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]["tags"]
    assert sorted(tags) == sorted(f"t{i}" for i in range(20))
    listed = {t["name"] for t in (await api.get("/v1/tags/")).json()["tags"]}
    assert listed == {f"t{i}" for i in range(20)}


async def test_list_tags_of_this_location_only(app: Starlette, api: Api) -> None:
    assert (await api.get("/v1/tags/")).json() == {"tags": []}
    first = await api.make_contact(tags=["Hello", "shared"])
    await api.make_contact(tags=["shared", "world"])
    other = await make_location(app, api.http)
    await other.make_contact(tags=["elsewhere"])

    body = (await api.get("/v1/tags")).json()
    assert [t["name"] for t in body["tags"]] == ["hello", "shared", "world"]
    assert all(len(t["id"]) == 20 and set(t) == {"id", "name"} for t in body["tags"])

    # A tag no contact carries any more is still the location's (contract section 8: until
    # DELETE /v1/tags/:tagId), with the same id.
    await api.delete(f"/v1/contacts/{first['id']}/tags/", json={"tags": ["hello"]})
    assert (await api.get("/v1/tags/")).json()["tags"] == body["tags"]


async def test_deleting_a_contact_leaves_the_locations_tags(api: Api) -> None:
    contact = await api.make_contact(tags=["only-here"])
    await api.make_contact(tags=["kept"])
    assert (await api.delete(f"/v1/contacts/{contact['id']}")).status_code == 200
    names = [t["name"] for t in (await api.get("/v1/tags/")).json()["tags"]]
    assert names == ["kept", "only-here"]


async def test_openapi_describes_the_tag_routes(api: Api) -> None:
    paths = (await api.http.get("/openapi.json")).json()["paths"]
    assert set(paths["/v1/contacts/{contactId}/tags/"]) == {"post", "delete"}
    assert set(paths["/v1/tags/"]) == {"get", "post"}
    assert set(paths["/v1/tags/{tagId}"]) == {"get", "put", "delete"}
