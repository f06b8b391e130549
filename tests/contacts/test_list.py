"""GET /v1/contacts/: list, search, keyset and page pagination, meta. On both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from tests.contacts.search_plans import PLANS, force_plan
from tests.factories import Api, make_location


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["contactName"] for c in response.json()["contacts"]]


def _key(contact: dict[str, Any], field: str = "dateAdded") -> tuple[str, str]:
    return contact[field], contact["id"]


async def _walk(api: Api, url: str, params: dict[str, Any] | None = None,
                between: Any = None) -> list[dict[str, Any]]:  # fmt: skip
    """Every page, following nextPageUrl until it is null."""
    seen: list[dict[str, Any]] = []
    next_url: str | None = url
    first = True
    while next_url is not None:
        response = await api.get(next_url, params=params if first else None)
        assert response.status_code == 200, response.text
        first = False
        body = response.json()
        seen.extend(body["contacts"])
        next_url = body["meta"]["nextPageUrl"]
        if between is not None and next_url is not None:
            await between()
        assert len(seen) < 1000, "the walk does not end"
    return seen


@pytest.fixture(params=PLANS)
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Search tests run under each plan (tests/contacts/search_plans.py)."""
    force_plan(monkeypatch, request.param)
    yield request.param


async def test_lists_newest_first_with_every_contact_key(api: Api) -> None:
    made = [await api.make_contact(name=f"Person {i}") for i in range(3)]
    for path in ("/v1/contacts/", "/v1/contacts"):
        response = await api.get(path)
        body = response.json()
        assert response.status_code == 200
        expected = sorted(made, key=_key, reverse=True)
        assert [c["id"] for c in body["contacts"]] == [c["id"] for c in expected]
        assert body["contacts"][0] == expected[0]
        assert body["meta"] == {
            "total": 3, "nextPageUrl": None, "startAfterId": expected[-1]["id"],
            "startAfter": body["meta"]["startAfter"], "currentPage": 1, "nextPage": None,
            "prevPage": None,
        }  # fmt: skip


async def test_empty_location_lists_nothing(api: Api) -> None:
    body = (await api.get("/v1/contacts/")).json()
    assert body == {"contacts": [], "meta": {
        "total": 0, "nextPageUrl": None, "startAfterId": None, "startAfter": None,
        "currentPage": 1, "nextPage": None, "prevPage": None}}  # fmt: skip


async def test_limit_defaults_to_20_and_accepts_1_to_100(api: Api) -> None:
    for i in range(22):
        await api.make_contact(name=f"Bulk {i}")
    assert len((await api.get("/v1/contacts/")).json()["contacts"]) == 20
    assert len((await api.get("/v1/contacts/?limit=1")).json()["contacts"]) == 1
    assert len((await api.get("/v1/contacts/?limit=100")).json()["contacts"]) == 22


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"sortBy": "name"}, "sortBy"),
        ({"order": "sideways"}, "order"),
        ({"startAfter": "yesterday"}, "startAfter"),
        ({"startAfter": "-5"}, "startAfter"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
    ],
)
async def test_bad_parameters_answer_422_keyed_by_parameter(
    api: Api, params: dict[str, str], key: str
) -> None:
    response = await api.get("/v1/contacts/", params=params)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {key}
    assert body[key]["rule"] == "invalid" and body[key]["message"].startswith("The ")


async def test_several_bad_parameters_are_reported_together(api: Api) -> None:
    response = await api.get("/v1/contacts/?limit=0&sortBy=x&order=y")
    assert response.status_code == 422
    assert set(response.json()) == {"limit", "sortBy", "order"}


async def test_unknown_start_after_id_alone_is_422(api: Api) -> None:
    response = await api.get("/v1/contacts/?startAfterId=nosuchcontact0000000")
    assert response.status_code == 422
    assert response.json() == {"startAfterId": {"message": "The contact id is invalid.",
                                                "rule": "invalid"}}  # fmt: skip


async def test_sort_by_date_updated_and_order_asc(api: Api) -> None:
    first = await api.make_contact(name="First")
    await asyncio.sleep(0.005)  # a later millisecond: the two are told apart by dateAdded
    second = await api.make_contact(name="Second")
    await asyncio.sleep(0.005)
    await api.put(f"/v1/contacts/{first['id']}", json={"city": "Austin"})
    assert _names(await api.get("/v1/contacts/?sortBy=date_updated")) == ["First", "Second"]
    assert _names(await api.get("/v1/contacts/?sortBy=date_updated&order=asc")) == [
        "Second", "First"]  # fmt: skip
    assert _names(await api.get("/v1/contacts/?order=asc")) == ["First", "Second"]
    assert _names(await api.get("/v1/contacts/?sortBy=date_added&order=desc")) == [
        "Second", "First"]  # fmt: skip
    assert second["id"]


@pytest.mark.parametrize(("sort", "order"), [("date_added", "desc"), ("date_updated", "asc")])
async def test_cursor_walk_visits_each_contact_once_in_order(
    api: Api, sort: str, order: str
) -> None:
    made = [await api.make_contact(name=f"Walker {i}") for i in range(7)]
    field = "dateAdded" if sort == "date_added" else "dateUpdated"
    seen = await _walk(api, "/v1/contacts/", {"limit": 3, "sortBy": sort, "order": order})
    expected = sorted(made, key=lambda c: _key(c, field), reverse=order == "desc")
    assert [c["id"] for c in seen] == [c["id"] for c in expected]


async def test_meta_names_last_contact_and_next_url_keeps_parameters(api: Api) -> None:
    for i in range(5):
        await api.make_contact(name=f"Keep {i}", companyName="Keepers Inc")
    params = {"query": "keepers", "limit": "2", "sortBy": "date_added", "order": "desc",
              "custom": "x y"}  # fmt: skip
    body = (await api.get("/v1/contacts/", params=params)).json()
    last = body["contacts"][-1]
    meta = body["meta"]
    assert meta["total"] == 5
    assert meta["startAfterId"] == last["id"]
    assert isinstance(meta["startAfter"], int)
    assert meta["currentPage"] == 1 and meta["nextPage"] == 2 and meta["prevPage"] is None
    url = urlsplit(meta["nextPageUrl"])
    assert (url.scheme, url.netloc, url.path) == ("http", "testserver", "/v1/contacts/")
    query = parse_qs(url.query)
    assert query["query"] == ["keepers"] and query["limit"] == ["2"]
    assert query["sortBy"] == ["date_added"] and query["order"] == ["desc"]
    assert query["custom"] == ["x y"]
    assert query["startAfter"] == [str(meta["startAfter"])]
    assert query["startAfterId"] == [last["id"]]

    second = (await api.get(meta["nextPageUrl"])).json()["meta"]
    assert second["currentPage"] == 2 and second["prevPage"] == 1 and second["nextPage"] == 3
    third = (await api.get(second["nextPageUrl"])).json()
    assert len(third["contacts"]) == 1
    assert third["meta"]["nextPageUrl"] is None and third["meta"]["nextPage"] is None
    assert third["meta"]["currentPage"] == 3 and third["meta"]["total"] == 5


async def test_next_page_url_is_null_when_the_last_page_is_exactly_full(api: Api) -> None:
    for i in range(4):
        await api.make_contact(name=f"Full {i}")
    first = (await api.get("/v1/contacts/?limit=2")).json()["meta"]
    assert first["nextPageUrl"] is not None
    second = (await api.get(first["nextPageUrl"])).json()
    assert len(second["contacts"]) == 2
    assert second["meta"]["nextPageUrl"] is None and second["meta"]["nextPage"] is None


async def test_next_page_url_follows_trusted_forwarded_headers_only(
    api: Api, app: Starlette
) -> None:
    for i in range(2):
        await api.make_contact(name=f"Proxy {i}")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "crm.example.com"}
    meta = (await api.get("/v1/contacts?limit=1", headers=forwarded)).json()["meta"]
    assert meta["nextPageUrl"].startswith("https://crm.example.com/v1/contacts?")

    untrusted = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=untrusted, base_url="http://api.local:8000") as http:
        response = await http.get("/v1/contacts?limit=1", headers={**api.headers, **forwarded})
    assert response.json()["meta"]["nextPageUrl"].startswith("http://api.local:8000/v1/contacts?")


async def test_start_after_alone_is_strictly_past_that_instant(api: Api) -> None:
    made = [await api.make_contact(name=f"Instant {i}") for i in range(4)]
    newest_first = sorted(made, key=_key, reverse=True)
    pivot = (await api.get("/v1/contacts/?limit=2")).json()["meta"]["startAfter"]
    body = (await api.get(f"/v1/contacts/?startAfter={pivot}")).json()
    expected = [c["id"] for c in newest_first if _ms(c) < pivot]
    assert [c["id"] for c in body["contacts"]] == expected
    assert body["meta"]["currentPage"] is None and body["meta"]["prevPage"] is None
    ascending = (await api.get(f"/v1/contacts/?startAfter={pivot}&order=asc")).json()
    assert [c["id"] for c in ascending["contacts"]] == [
        c["id"] for c in reversed(newest_first) if _ms(c) > pivot]  # fmt: skip
    # A decimal instant lies between two milliseconds.
    half = (await api.get(f"/v1/contacts/?startAfter={pivot}.5")).json()
    assert [c["id"] for c in half["contacts"]] == [c["id"] for c in newest_first
                                                   if _ms(c) <= pivot]  # fmt: skip


def _ms(contact: dict[str, Any]) -> int:
    from datetime import datetime

    moment = datetime.fromisoformat(contact["dateAdded"].replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


async def test_start_after_id_alone_continues_after_that_contact(api: Api) -> None:
    made = sorted([await api.make_contact(name=f"After {i}") for i in range(4)], key=_key,
                  reverse=True)  # fmt: skip
    body = (await api.get(f"/v1/contacts/?startAfterId={made[1]['id']}")).json()
    assert [c["id"] for c in body["contacts"]] == [c["id"] for c in made[2:]]


async def test_deprecated_page_numbers(api: Api) -> None:
    made = sorted([await api.make_contact(name=f"Paged {i}") for i in range(5)], key=_key,
                  reverse=True)  # fmt: skip
    body = (await api.get("/v1/contacts/?page=2&limit=2")).json()
    assert [c["id"] for c in body["contacts"]] == [c["id"] for c in made[2:4]]
    meta = body["meta"]
    assert (meta["currentPage"], meta["nextPage"], meta["prevPage"]) == (2, 3, 1)
    assert parse_qs(urlsplit(meta["nextPageUrl"]).query)["page"] == ["3"]
    last = (await api.get("/v1/contacts/?page=3&limit=2")).json()
    assert [c["id"] for c in last["contacts"]] == [made[4]["id"]]
    assert (last["meta"]["currentPage"], last["meta"]["nextPage"], last["meta"]["prevPage"]) == (
        3, None, 2)  # fmt: skip
    assert last["meta"]["nextPageUrl"] is None
    beyond = (await api.get("/v1/contacts/?page=9&limit=2")).json()
    assert beyond["contacts"] == [] and beyond["meta"]["total"] == 5


@pytest.mark.parametrize(("sort", "order"), [("date_added", "desc"), ("date_added", "asc"),
                                             ("date_updated", "desc")])  # fmt: skip
async def test_walk_while_writing_sees_every_lasting_contact_once(
    api: Api, sort: str, order: str
) -> None:
    await _walk_while_writing(api, {"limit": 5, "sortBy": sort, "order": order})


async def _walk_while_writing(api: Api, params: dict[str, Any]) -> None:
    """Walks every page while contacts are created, deleted and updated between pages: each
    contact that exists throughout is seen, and none twice. Every name holds "walker"."""
    lasting = [await api.make_contact(name=f"Lasting Walker{i}") for i in range(12)]
    doomed = [await api.make_contact(name=f"Doomed Walker{i}") for i in range(4)]
    touched = [await api.make_contact(name=f"Touched Walker{i}") for i in range(4)]
    step = 0

    async def write_between_pages() -> None:
        nonlocal step
        await api.make_contact(name=f"Newcomer Walker{step}")
        if step < len(doomed):
            assert (await api.delete(f"/v1/contacts/{doomed[step]['id']}")).status_code == 200
        if step < len(touched):
            response = await api.put(f"/v1/contacts/{touched[step]['id']}", json={"city": "X"})
            assert response.status_code == 200
        step += 1

    seen = await _walk(api, "/v1/contacts/", params, write_between_pages)
    ids = [c["id"] for c in seen]
    assert len(ids) == len(set(ids)), "a contact was visited twice"
    must_see = [c["id"] for c in lasting]
    if params.get("sortBy", "date_added") == "date_added":
        must_see += [c["id"] for c in touched]
    assert set(must_see) <= set(ids)
    assert step >= 3


# Search.


async def test_query_matches_each_field_case_insensitively(api: Api, plan: str) -> None:
    await api.make_contact(firstName="Rosalind", lastName="Franklin", companyName="Helix Labs",
                           email="R.Franklin@King.ac.uk", tags=["Crystallography"])  # fmt: skip
    await api.make_contact(name="Other Person", companyName="Else")
    for query in ("rosalind", "FRANKLIN", "Rosalind Fr", "helix", "king.AC", "crystallo",
                  "r.franklin@", "ind fra"):  # fmt: skip
        response = await api.get("/v1/contacts/", params={"query": query})
        assert _names(response) == ["Rosalind Franklin"], query
        assert response.json()["meta"]["total"] == 1
    assert _names(await api.get("/v1/contacts/", params={"query": "nobody"})) == []


async def test_query_spanning_two_fields_does_not_match(api: Api, plan: str) -> None:
    await api.make_contact(name="Ada Lovelace", companyName="Engines")
    assert _names(await api.get("/v1/contacts/", params={"query": "lovelaceengines"})) == []


async def test_phone_digits_match_phone_shaped_queries(api: Api, plan: str) -> None:
    # Emails without digits: the default one is random hex, which a digit query could match.
    await api.make_contact(name="Phone Owner", phone="+18887324197", email="owner@example.com")
    await api.make_contact(name="Other Phone", phone="+12125550100", email="other@example.com")
    for query in ("888-732", "(888) 732-4197", "+1 888 732 4197", "8887324197", "4197", "97"):
        assert _names(await api.get("/v1/contacts/", params={"query": query})) == [
            "Phone Owner"], query  # fmt: skip
    # Letters make it a text query: the phone's digits are not searched.
    assert _names(await api.get("/v1/contacts/", params={"query": "x888"})) == []


async def test_wildcards_and_quotes_are_literal(api: Api, plan: str) -> None:
    for name in ("100% Pure", "100 Percent", "a_b Corp", "axb Corp", "O'Brien Co",
                 'Say "Hi" Ltd', "Back\\slash", "Plain Name"):  # fmt: skip
        await api.make_contact(name=name)
    cases = {
        "%": ["100% Pure"], "0% p": ["100% Pure"], "_": ["a_b Corp"], "a_b": ["a_b Corp"],
        "o'b": ["O'Brien Co"], "'": ["O'Brien Co"], '"hi"': ['Say "Hi" Ltd'],
        '"': ['Say "Hi" Ltd'], "k\\s": ["Back\\slash"], "\\": ["Back\\slash"],
        "%_%": [], "a%b": [], "* OR": [], "NEAR(": [],
    }  # fmt: skip
    for query, expected in cases.items():
        assert _names(await api.get("/v1/contacts/", params={"query": query})) == expected, query


async def test_short_queries_answer_correctly(api: Api, plan: str) -> None:
    await api.make_contact(name="Jo Yu")
    await api.make_contact(name="Bob Smith")
    assert _names(await api.get("/v1/contacts/", params={"query": "yu"})) == ["Jo Yu"]
    assert sorted(_names(await api.get("/v1/contacts/", params={"query": "o"}))) == [
        "Bob Smith", "Jo Yu"]  # fmt: skip
    assert _names(await api.get("/v1/contacts/", params={"query": "  "})) != []


async def test_search_follows_updates_tags_and_deletes(api: Api, plan: str) -> None:
    contact = await api.make_contact(name="Before Rename", tags=["alpha-tag"])
    assert _names(await api.get("/v1/contacts/?query=alpha-t")) == ["Before Rename"]
    await api.put(f"/v1/contacts/{contact['id']}", json={"name": "After Rename",
                                                         "tags": ["beta-tag"]})  # fmt: skip
    assert _names(await api.get("/v1/contacts/?query=before")) == []
    assert _names(await api.get("/v1/contacts/?query=alpha-t")) == []
    assert _names(await api.get("/v1/contacts/?query=after")) == ["After Rename"]
    assert _names(await api.get("/v1/contacts/?query=beta-t")) == ["After Rename"]
    await api.post("/v1/contacts/", json={"email": contact["email"], "tags": ["gamma-tag"]})
    assert _names(await api.get("/v1/contacts/?query=gamma")) == ["After Rename"]
    await api.delete(f"/v1/contacts/{contact['id']}")
    assert _names(await api.get("/v1/contacts/?query=after")) == []
    assert (await api.get("/v1/contacts/")).json()["meta"]["total"] == 0


async def test_search_pages_with_cursor_and_total(api: Api, plan: str) -> None:
    made = [await api.make_contact(name=f"Match {i}") for i in range(5)]
    await api.make_contact(name="Unrelated")
    seen = await _walk(api, "/v1/contacts/", {"query": "match", "limit": 2})
    assert [c["id"] for c in seen] == [c["id"] for c in sorted(made, key=_key, reverse=True)]
    meta = (await api.get("/v1/contacts/?query=match&limit=2")).json()["meta"]
    assert meta["total"] == 5


async def test_search_total_counts_matches_before_and_past_the_cursor(api: Api, plan: str) -> None:
    made = sorted([await api.make_contact(name=f"Match {i}") for i in range(5)], key=_key,
                  reverse=True)  # fmt: skip
    await api.make_contact(name="Unrelated")
    params = {"query": "match", "limit": "2"}
    first = (await api.get("/v1/contacts/", params=params)).json()["meta"]
    cursor = {"startAfter": str(first["startAfter"]), "startAfterId": first["startAfterId"]}
    second = (await api.get("/v1/contacts/", params={**params, **cursor})).json()
    assert [c["id"] for c in second["contacts"]] == [c["id"] for c in made[2:4]]
    assert second["meta"]["total"] == 5
    last = made[-1]
    past_cursor = await api.get("/v1/contacts/", params={**params, "startAfterId": last["id"]})
    assert past_cursor.json()["contacts"] == [] and past_cursor.json()["meta"]["total"] == 5
    past_page = (await api.get("/v1/contacts/", params={**params, "page": "9"})).json()
    assert past_page["contacts"] == [] and past_page["meta"]["total"] == 5


async def test_search_walk_while_writing_sees_every_lasting_match_once(api: Api, plan: str) -> None:
    await api.make_contact(name="Someone Else")
    await _walk_while_writing(api, {"query": "walker", "limit": 5})


async def test_locations_do_not_see_each_other(
    api: Api, app: Starlette, http: httpx.AsyncClient, plan: str
) -> None:
    other = await make_location(app, http)
    await other.make_contact(name="Secret Agent", phone="+18887320000")
    await api.make_contact(name="Open Agent")
    assert _names(await api.get("/v1/contacts/?query=agent")) == ["Open Agent"]
    assert _names(await api.get("/v1/contacts/?query=888-732")) == []
    assert (await api.get("/v1/contacts/")).json()["meta"]["total"] == 1


async def test_query_longer_than_255_characters_is_422(api: Api) -> None:
    response = await api.get("/v1/contacts/", params={"query": "x" * 256})
    assert response.status_code == 422 and response.json()["query"]["rule"] == "max"


async def test_list_requires_a_key(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/contacts/")
    assert response.status_code == 401 and response.json() == {"msg": "Unauthorized"}


async def test_next_page_url_never_carries_a_malformed_host_header(api: Api) -> None:
    for i in range(2):
        await api.make_contact(name=f"Host {i}")
    response = await api.get("/v1/contacts?limit=1", headers={"Host": "evil.example/<x>"})
    next_url = response.json()["meta"]["nextPageUrl"]
    assert "evil" not in next_url and "<" not in next_url
    assert next_url.startswith("http://testserver")


async def test_start_after_id_alone_is_a_hand_made_cursor_without_a_page_number(api: Api) -> None:
    made = [await api.make_contact(name=f"Numbered {i}") for i in range(3)]
    newest = sorted(made, key=_key, reverse=True)
    body = (await api.get("/v1/contacts/", params={"startAfterId": newest[0]["id"]})).json()
    assert [c["id"] for c in body["contacts"]] == [c["id"] for c in newest[1:]]
    assert body["meta"]["currentPage"] is None and body["meta"]["prevPage"] is None
