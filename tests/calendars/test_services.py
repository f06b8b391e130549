"""Calendar services through HTTP: v1's object and 422 map, the team filter, and a service
as a calendar (its id books appointments, within its open hours)."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from tests.calendars.test_teams import invalid_id, make_team, make_user
from tests.factories import Api, make_location
from tests.records import OFFICE_HOURS, service_body

V1_KEYS = {"id", "name", "description", "appointmentTitle", "meetingLocation", "eventColor",
           "teamId", "linkedCalendars", "syncOption", "teamMembers", "availability",
           "confirmation"}  # fmt: skip


async def make_service(api: Api, team_id: str, user_id: str, slug: str, **fields: Any) -> Any:
    response = await api.post("/v1/calendars/services/", json=service_body(team_id, user_id, slug,
                                                                          **fields))  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_service_is_created_read_listed_changed_and_deleted(api: Api) -> None:
    user = await make_user(api)
    team = await make_team(api, [user])
    other_team = await make_team(api, [user], "other-team")
    service = await make_service(api, team["id"], user, "intro-call", timezone="Europe/Paris")
    assert set(service) >= V1_KEYS
    assert service["teamId"] == team["id"] and service["locationId"] == api.location_id
    assert service["eventColor"] == "Peacock" and service["slug"] == "intro-call"
    assert service["teamMembers"] == [{"userId": user, "priority": "High", "selected": True,
                                       "meetingLocation": None}]  # fmt: skip
    assert service["availability"]["eventTiming"] == {
        "slotDuration": 30, "slotInterval": 30, "slotBuffer": 0}  # fmt: skip
    assert service["availability"]["officeHours"] == OFFICE_HOURS
    notify = service["confirmation"]["notificationAndOther"]
    assert notify["hasAutoConfirm"] is False and notify["hasAllowCancellation"] is False
    assert service["timezone"] == "Europe/Paris"
    assert (await api.get(f"/v1/calendars/services/{service['id']}")).json() == service
    second = await make_service(api, other_team["id"], user, "second")
    listed = (await api.get("/v1/calendars/services")).json()["services"]
    assert {s["id"] for s in listed} == {service["id"], second["id"]}
    by_team = await api.get("/v1/calendars/services/", params={"teamId": team["id"]})
    assert by_team.json() == {"services": [service]}
    # A service is a calendar too.
    calendars = (await api.get("/v1/calendars")).json()["calendars"]
    assert service["id"] in {c["id"] for c in calendars}

    body = service_body(team["id"], user, "intro-call", name="Intro")
    body["availability"]["eventTiming"] = {"slotDuration": 60, "slotInterval": 15,
                                           "slotBuffer": 10}  # fmt: skip
    changed = (await api.put(f"/v1/calendars/services/{service['id']}", json=body)).json()
    assert changed["name"] == "Intro" and changed["timezone"] is None
    assert changed["availability"]["eventTiming"] == {
        "slotDuration": 60, "slotInterval": 15, "slotBuffer": 10}  # fmt: skip
    response = await api.delete(f"/v1/calendars/services/{service['id']}")
    assert response.status_code == 200 and response.content == b""
    gone = await api.get(f"/v1/calendars/services/{service['id']}")
    assert gone.json() == invalid_id("serviceId", "service")


async def test_service_bodies_get_v1s_422_map(api: Api) -> None:
    response = await api.post("/v1/calendars/services/", json={})
    assert response.status_code == 422
    assert set(response.json()) == {
        "teamId", "name", "description", "eventType", "teamMembers", "slug",
        "appointmentTitle", "eventColor", "availability.eventTiming.slotDuration",
        "availability.eventTiming.slotInterval", "availability.officeHours",
        "confirmation.notificationAndOther.autoConfirm",
        "confirmation.notificationAndOther.shouldSendAlertEmailsToAssignedMember",
        "confirmation.notificationAndOther.googleInvitationEmails",
        "confirmation.notificationAndOther.allowReschedule",
        "confirmation.notificationAndOther.allowCancellation",
        "confirmation.formSubmission.type", "confirmation.formSubmission.content",
    }  # fmt: skip
    assert all(entry["rule"] == "required" for entry in response.json().values())

    user = await make_user(api)
    team = await make_team(api, [user])
    bad = service_body(team["id"], user, "s", eventColor="Mauve", eventType="Solo")
    bad["availability"] = {"eventTiming": {"slotDuration": 7, "slotInterval": 30},
                           "officeHours": {"funday": []}}  # fmt: skip
    response = await api.post("/v1/calendars/services/", json=bad)
    assert set(response.json()) == {"eventColor", "eventType", "availability.officeHours",
                                    "availability.eventTiming.slotDuration"}  # fmt: skip
    hours = {"monday": [{"openHour": 17, "openMinute": 0, "closeHour": 9, "closeMinute": 0}]}
    bad = service_body(team["id"], user, "s")
    bad["availability"]["officeHours"] = hours
    response = await api.post("/v1/calendars/services/", json=bad)
    assert set(response.json()) == {"availability.officeHours"}
    # A team member must be a member of the service's team.
    stranger = await make_user(api, "Ada")
    response = await api.post("/v1/calendars/services/",
                              json=service_body(team["id"], stranger, "s"))  # fmt: skip
    assert set(response.json()) == {"teamMembers"}
    response = await api.post("/v1/calendars/services/", json=service_body("nope", user, "s"))
    assert response.json() == invalid_id("teamId", "team")
    assert (await api.get("/v1/calendars/services")).json() == {"services": []}


async def test_a_plain_calendar_is_not_a_service_and_others_services_are_unknown(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    calendar = (await api.post("/v1/calendars/", json={"name": "Plain"})).json()["calendar"]
    response = await api.get(f"/v1/calendars/services/{calendar['id']}")
    assert response.json() == invalid_id("serviceId", "service")
    other = await make_location(app, http)
    their_user = await make_user(other)
    their_team = await make_team(other, [their_user])
    theirs = await make_service(other, their_team["id"], their_user, "theirs")
    my_user = await make_user(api)
    my_team = await make_team(api, [my_user])
    for method, body in (("GET", None), ("DELETE", None),
                         ("PUT", service_body(my_team["id"], my_user, "mine"))):  # fmt: skip
        response = await api.request(method, f"/v1/calendars/services/{theirs['id']}", json=body)
        assert response.json() == invalid_id("serviceId", "service"), method
    response = await api.post("/v1/calendars/services/",
                              json=service_body(their_team["id"], my_user, "mine"))  # fmt: skip
    assert response.json() == invalid_id("teamId", "team")
    booking = {"calendarId": theirs["id"], "selectedSlot": "2021-06-21T10:00:00Z",
               "selectedTimezone": "UTC", "email": "x@example.com"}  # fmt: skip
    response = await api.post("/v1/appointments/", json=booking)
    assert response.json() == invalid_id("calendarId", "calendar")
    assert (await other.get(f"/v1/calendars/services/{theirs['id']}")).json() == theirs
