"""`GET /v1/appointments/`: by calendar, team or user, between two dates, by start time,
paged, with v1's keys and (`includeAll`) the contact; v1's 422 map; isolation."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from tests.appointments.test_slots import book, calendar
from tests.calendars.test_teams import make_team, make_user
from tests.factories import Api, make_location
from tests.records import service_body

JUNE = {"startDate": 1622505600000, "endDate": 1625097599999}  # 2021-06-01 to 06-30, UTC


async def listed(api: Api, **params: Any) -> Any:
    response = await api.get("/v1/appointments/", params={**JUNE, **params})
    assert response.status_code == 200, response.text
    return response.json()["appointments"]


async def test_appointments_by_calendar_team_and_user(api: Api) -> None:
    ann, bob = await make_user(api, "Ann"), await make_user(api, "Bob")
    team = await make_team(api, [ann])
    body = service_body(team["id"], ann, "calls", timezone="UTC")
    service = (await api.post("/v1/calendars/services/", json=body)).json()
    plain = await calendar(api)
    booked = []
    for slot in ("2021-06-22T10:00:00Z", "2021-06-21T09:00:00Z"):
        response = await book(api, service["id"], slot, title="call")
        assert response.status_code == 200, response.text
        booked.append(response.json())
    outside = await book(api, plain["id"], "2021-07-01T10:00:00Z")  # after the range
    mine = await book(api, plain["id"], "2021-06-21T09:00:00Z", email="other@example.com")
    assert outside.status_code == mine.status_code == 200

    by_service = await listed(api, calendarId=service["id"])
    assert [a["startTime"] for a in by_service] == ["2021-06-21T09:00:00.000Z",
                                                    "2021-06-22T10:00:00.000Z"]  # fmt: skip
    first = by_service[0]
    assert first["calendarServiceId"] == service["id"] and first["calendarProviderId"] == team["id"]
    assert first["appoinmentStatus"] == first["status"] == "confirmed"
    assert first["isRecurring"] is False and first["userId"] is None and "contact" not in first
    assert [a["id"] for a in await listed(api, teamId=team["id"])] == [a["id"] for a in by_service]
    assert [a["id"] for a in await listed(api, calendarProviderId=team["id"])] == [
        a["id"] for a in by_service]  # fmt: skip
    assert [a["id"] for a in await listed(api, userId=ann)] == [a["id"] for a in by_service]
    assert await listed(api, userId=bob) == []
    by_plain = await listed(api, calendarId=plain["id"])
    assert [a["id"] for a in by_plain] == [mine.json()["id"]]
    assert by_plain[0]["calendarServiceId"] is by_plain[0]["calendarProviderId"] is None
    # Filters together narrow: the plain calendar is not the team's.
    assert await listed(api, calendarId=plain["id"], teamId=team["id"]) == []
    full = await listed(api, calendarId=service["id"], includeAll="true")
    assert full[0]["contact"]["email"] == "buyer@example.com"
    # Paged by start time.
    page = await listed(api, teamId=team["id"], limit=1)
    assert [a["id"] for a in page] == [by_service[0]["id"]]
    rest = await listed(api, teamId=team["id"], limit=1, startAfterId=page[0]["id"])
    assert [a["id"] for a in rest] == [by_service[1]["id"]]
    narrow = await listed(api, teamId=team["id"], startDate=1624320000000)  # 06-22 00:00Z
    assert [a["id"] for a in narrow] == [by_service[1]["id"]]


async def test_list_queries_get_v1s_422_map(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    response = await api.get("/v1/appointments/")
    assert response.json() == {
        "startDate": {"message": "The start date field is mandatory.", "rule": "required"},
        "endDate": {"message": "The end date field is mandatory.", "rule": "required"},
        "userId or calendarProviderId": {
            "message": "The user id or calendar provider id field is mandatory.",
            "rule": "required"},
    }  # fmt: skip
    other = await make_location(app, http)
    theirs = await calendar(other)
    their_user = await make_user(other)
    their_team = await make_team(other, [their_user])
    foreign = {"calendarId": theirs["id"], "teamId": their_team["id"], "userId": their_user}
    response = await api.get("/v1/appointments/", params={**JUNE, **foreign})
    assert {key: entry["rule"] for key, entry in response.json().items()} == {
        "calendarId": "invalid", "teamId": "invalid", "userId": "invalid"}  # fmt: skip
    mine = await calendar(api)
    for params, key in (({"includeAll": "maybe"}, "includeAll"),
                        ({"startAfterId": "nope"}, "startAfterId"),
                        ({"endDate": "soon"}, "endDate")):  # fmt: skip
        response = await api.get("/v1/appointments/",
                                 params={**JUNE, "calendarId": mine["id"], **params})  # fmt: skip
        assert set(response.json()) == {key}, response.text
