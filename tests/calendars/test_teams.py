"""Calendar teams through HTTP: v1's object, its 422 map, slugs, and isolation."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from starlette.applications import Starlette

from tests.factories import Api, make_location
from tests.records import service_body, team_body


async def make_user(api: Api, first: str = "Elon") -> str:
    body = {"firstName": first, "lastName": "Musk", "email": f"{secrets.token_hex(4)}@musk.com",
            "type": "account", "role": "user", "locationIds": [api.location_id]}  # fmt: skip
    response = await api.post("/v1/users/", json=body)
    assert response.status_code == 200, response.text
    user_id: str = response.json()["id"]
    return user_id


async def make_team(api: Api, user_ids: list[str], slug: str = "sales-team") -> dict[str, Any]:
    response = await api.post("/v1/calendars/teams/", json=team_body(user_ids, slug))
    assert response.status_code == 200, response.text
    team: dict[str, Any] = response.json()
    return team


def invalid_id(param: str, kind: str) -> dict[str, Any]:
    return {param: {"message": f"The {kind} id is invalid.", "rule": "invalid"}}


async def test_a_team_is_created_read_listed_changed_and_deleted(api: Api) -> None:
    elon, ada = await make_user(api), await make_user(api, "Ada")
    assert (await api.get("/v1/calendars/teams")).json() == {"teams": []}
    team = await make_team(api, [elon, ada])
    assert len(team["id"]) == 20 and team["locationId"] == api.location_id
    assert team["name"] == "Sales Team" and team["userIds"] == [elon, ada]
    assert [(m["id"], m["name"]) for m in team["members"]] == [
        (elon, "Elon Musk"),
        (ada, "Ada Musk"),
    ]
    assert all(m["email"].endswith("@musk.com") for m in team["members"])
    assert team["calendarConfig"] == {
        "calendarName": "Sales", "description": "Sales calls", "slug": "sales-team",
        "link": "/widget/appointment/sales-team", "shouldAssignContactToTeamMember": False,
        "shouldSkipAssigningContactForExisting": False,
    }  # fmt: skip
    assert (await api.get(f"/v1/calendars/teams/{team['id']}")).json() == team
    assert (await api.get("/v1/calendars/teams/")).json() == {"teams": [team]}

    body = team_body([ada], "Closers", name="Closers")
    body["calendarConfig"]["shouldAssignContactToTeamMember"] = True
    changed = (await api.put(f"/v1/calendars/teams/{team['id']}", json=body)).json()
    assert changed["name"] == "Closers" and changed["userIds"] == [ada]
    assert changed["calendarConfig"]["slug"] == "closers"  # slugs are lowercase
    assert changed["calendarConfig"]["shouldAssignContactToTeamMember"] is True

    service = await api.post("/v1/calendars/services/", json=service_body(team["id"], ada, "s1"))
    assert service.status_code == 200, service.text
    response = await api.delete(f"/v1/calendars/teams/{team['id']}")
    assert response.status_code == 200 and response.content == b""
    for method in ("GET", "DELETE"):
        gone = await api.request(method, f"/v1/calendars/teams/{team['id']}")
        assert gone.json() == invalid_id("teamId", "team")
    # Its services went with it.
    gone = await api.get(f"/v1/calendars/services/{service.json()['id']}")
    assert gone.json() == invalid_id("serviceId", "service")


async def test_team_bodies_get_v1s_422_map(api: Api) -> None:
    response = await api.post("/v1/calendars/teams/", json={})
    assert response.status_code == 422
    assert {key: entry["rule"] for key, entry in response.json().items()} == {
        "name": "required", "userIds": "required", "calendarConfig.calendarName": "required",
        "calendarConfig.description": "required", "calendarConfig.slug": "required",
    }  # fmt: skip
    bad = team_body(["nope"], "not a slug!", calendarConfig="x")
    response = await api.post("/v1/calendars/teams/", json=bad)
    assert set(response.json()) >= {"calendarConfig"}
    response = await api.post("/v1/calendars/teams/", json=team_body(["nope"], "ok-slug"))
    assert response.json()["userIds"]["rule"] == "invalid"
    response = await api.post("/v1/calendars/teams/", json=team_body([], "Bad Slug!"))
    assert set(response.json()) == {"userIds", "calendarConfig.slug"}
    assert (await api.get("/v1/calendars/teams")).json() == {"teams": []}


async def test_slugs_are_unique_among_teams_and_services(api: Api) -> None:
    user = await make_user(api)
    url = "/v1/calendars/check-slug-availability"
    assert (await api.get(f"{url}/sales-team")).json() == {
        "slug": "sales-team", "isSlugAvailable": True,
    }  # fmt: skip
    team = await make_team(api, [user])
    assert (await api.get(f"{url}/sales-team")).json()["isSlugAvailable"] is False
    assert (await api.get(f"{url}/Sales-Team")).json()["isSlugAvailable"] is False
    assert (await api.get(f"{url}/not%20a%20slug")).json()["isSlugAvailable"] is False

    again = await api.post("/v1/calendars/teams/", json=team_body([user], "sales-team"))
    assert again.json() == {"calendarConfig.slug": {
        "message": "The slug sales-team is taken.", "rule": "duplicate"}}  # fmt: skip
    taken = await api.post("/v1/calendars/services/", json=service_body(team["id"], user,
                                                                       "sales-team"))  # fmt: skip
    assert taken.json()["slug"]["rule"] == "duplicate"
    service = await api.post("/v1/calendars/services/", json=service_body(team["id"], user, "call"))
    assert (await api.get(f"{url}/call")).json()["isSlugAvailable"] is False
    other = await api.post("/v1/calendars/teams/", json=team_body([user], "call"))
    assert other.json()["calendarConfig.slug"]["rule"] == "duplicate"
    # A record keeps its own slug on PUT.
    kept = await api.put(f"/v1/calendars/teams/{team['id']}", json=team_body([user], "sales-team"))
    assert kept.status_code == 200, kept.text
    await api.delete(f"/v1/calendars/services/{service.json()['id']}")
    assert (await api.get(f"{url}/call")).json()["isSlugAvailable"] is True


async def test_another_locations_team_user_and_slug_are_not_the_callers(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    other = await make_location(app, http)
    their_user = await make_user(other)
    theirs = await make_team(other, [their_user], "their-team")
    for method, body in (("GET", None), ("PUT", team_body([their_user], "x")), ("DELETE", None)):
        response = await api.request(method, f"/v1/calendars/teams/{theirs['id']}", json=body)
        assert response.json() == invalid_id("teamId", "team"), method
    response = await api.post("/v1/calendars/teams/", json=team_body([their_user], "mine"))
    assert response.json()["userIds"]["rule"] == "invalid"
    listed = await api.get("/v1/calendars/services", params={"teamId": theirs["id"]})
    assert listed.json() == invalid_id("teamId", "team")
    slug = await api.get("/v1/calendars/check-slug-availability/their-team")
    assert slug.json()["isSlugAvailable"] is True
    assert (await other.get(f"/v1/calendars/teams/{theirs['id']}")).json() == theirs
