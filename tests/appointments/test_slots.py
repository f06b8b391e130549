"""Free slots through HTTP: open hours in the calendar's zone, wall-clock times kept across
daylight-saving changes, booked time taken out, and v1's answer shape and 422 map."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from starlette.applications import Starlette

from tests.calendars.test_teams import make_team, make_user
from tests.factories import Api, make_location
from tests.records import service_body

NEW_YORK = ZoneInfo("America/New_York")


def hours(days: tuple[str, ...], *spans: tuple[int, int]) -> dict[str, Any]:
    return {day: [{"openHour": a, "openMinute": 0, "closeHour": b, "closeMinute": 0}
                  for a, b in spans] for day in days}  # fmt: skip


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def ms(local: str, zone: ZoneInfo = NEW_YORK) -> int:
    return int(datetime.fromisoformat(local).replace(tzinfo=zone).timestamp() * 1000)


async def calendar(api: Api, **fields: Any) -> dict[str, Any]:
    response = await api.post("/v1/calendars/", json={"name": "Viewings", **fields})
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()["calendar"]
    return made


async def slots(api: Api, calendar_id: str, start: int, end: int, **params: Any) -> Any:
    response = await api.get("/v1/appointments/slots", params={
        "calendarId": calendar_id, "startDate": start, "endDate": end, **params})  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


async def book(api: Api, calendar_id: str, slot: str, **fields: Any) -> httpx.Response:
    body = {"calendarId": calendar_id, "selectedSlot": slot, "selectedTimezone": "UTC",
            "email": "buyer@example.com", **fields}  # fmt: skip
    return await api.post("/v1/appointments/", json=body)


async def test_slots_keep_their_wall_clock_time_across_daylight_saving_changes(api: Api) -> None:
    made = await calendar(api, slotDuration=60, timezone="America/New_York",
                          openHours=hours(WEEKDAYS, (9, 11)))  # fmt: skip
    assert made["openHours"] == hours(WEEKDAYS, (9, 11)) and made["slotInterval"] == 60
    # Friday before and Monday after the spring change (14 March 2021).
    march = await slots(api, made["id"], ms("2021-03-12T00:00"), ms("2021-03-16T00:00"))
    assert march == {
        "2021-03-12": {"slots": ["2021-03-12T09:00:00-05:00", "2021-03-12T10:00:00-05:00"]},
        "2021-03-15": {"slots": ["2021-03-15T09:00:00-04:00", "2021-03-15T10:00:00-04:00"]},
    }
    # And the autumn change (7 November 2021).
    november = await slots(api, made["id"], ms("2021-11-05T00:00"), ms("2021-11-09T00:00"))
    assert november == {
        "2021-11-05": {"slots": ["2021-11-05T09:00:00-04:00", "2021-11-05T10:00:00-04:00"]},
        "2021-11-08": {"slots": ["2021-11-08T09:00:00-05:00", "2021-11-08T10:00:00-05:00"]},
    }


async def test_the_night_of_the_change_skips_and_repeats_no_slot(api: Api) -> None:
    made = await calendar(api, timezone="America/New_York", openHours=hours(("sunday",), (1, 4)))
    spring = await slots(api, made["id"], ms("2021-03-14T00:00"), ms("2021-03-14T23:00"))
    # 02:00 to 03:00 does not exist that night.
    assert spring == {"2021-03-14": {"slots": [
        "2021-03-14T01:00:00-05:00", "2021-03-14T01:30:00-05:00",
        "2021-03-14T03:00:00-04:00", "2021-03-14T03:30:00-04:00"]}}  # fmt: skip
    autumn = await slots(api, made["id"], ms("2021-11-07T00:00"), ms("2021-11-07T23:00"))
    # 01:00 to 02:00 happens twice: its slots once, at the first.
    assert autumn == {"2021-11-07": {"slots": [
        "2021-11-07T01:00:00-04:00", "2021-11-07T01:30:00-04:00", "2021-11-07T02:00:00-05:00",
        "2021-11-07T02:30:00-05:00", "2021-11-07T03:00:00-05:00",
        "2021-11-07T03:30:00-05:00"]}}  # fmt: skip


async def test_booked_slots_are_not_free_until_cancelled(api: Api) -> None:
    made = await calendar(api, timezone="America/New_York", openHours=hours(WEEKDAYS, (9, 11)))
    monday = (ms("2021-06-21T00:00"), ms("2021-06-21T23:59"))
    free = await slots(api, made["id"], *monday)
    assert len(free["2021-06-21"]["slots"]) == 4
    booked = await book(api, made["id"], "2021-06-21T10:00:00-04:00")
    assert booked.status_code == 200, booked.text
    free = await slots(api, made["id"], *monday)
    assert free["2021-06-21"]["slots"] == ["2021-06-21T09:00:00-04:00",
                                           "2021-06-21T09:30:00-04:00",
                                           "2021-06-21T10:30:00-04:00"]  # fmt: skip
    url = f"/v1/appointments/{booked.json()['id']}/status"
    assert (await api.put(url, json={"status": "cancelled"})).status_code == 200
    assert len((await slots(api, made["id"], *monday))["2021-06-21"]["slots"]) == 4


async def test_slots_in_another_zone_and_a_calendar_open_at_all_times(api: Api) -> None:
    made = await calendar(api, slotDuration=60, timezone="America/New_York",
                          openHours=hours(("monday",), (21, 23)))  # fmt: skip
    # Monday 21:00 in New York is Tuesday 06:30 in Kolkata.
    kolkata = await slots(api, made["id"], ms("2021-06-21T00:00"), ms("2021-06-21T23:59"),
                          timezone="Asia/Kolkata")  # fmt: skip
    assert kolkata == {"2021-06-22": {"slots": ["2021-06-22T06:30:00+05:30",
                                                "2021-06-22T07:30:00+05:30"]}}  # fmt: skip
    always = await calendar(api, slotDuration=30)
    assert always["openHours"] is None
    utc = ZoneInfo("UTC")
    day = await slots(api, always["id"], ms("2021-06-21T00:00", utc), ms("2021-06-21T23:59", utc))
    assert list(day) == ["2021-06-21"] and len(day["2021-06-21"]["slots"]) == 48
    assert day["2021-06-21"]["slots"][0] == "2021-06-21T00:00:00+00:00"
    # Without a zone of its own, a calendar reads its hours in the location's.
    assert api.agency is not None
    profile = {"businessName": "Test", "timezone": "Asia/Kolkata"}
    moved = await api.agency.put(f"/v1/locations/{api.location_id}", json=profile)
    assert moved.status_code == 200, moved.text
    local = await calendar(api, openHours=hours(("monday",), (9, 10)))
    found = await slots(api, local["id"], ms("2021-06-20T00:00", utc), ms("2021-06-22T00:00", utc))
    assert found == {"2021-06-21": {"slots": ["2021-06-21T09:00:00+05:30",
                                              "2021-06-21T09:30:00+05:30"]}}  # fmt: skip


async def test_a_services_buffer_and_interval_shape_its_slots(api: Api) -> None:
    user = await make_user(api)
    team = await make_team(api, [user])
    body = service_body(team["id"], user, "viewing", timezone="UTC")
    body["availability"]["eventTiming"] = {"slotDuration": 30, "slotInterval": 15,
                                           "slotBuffer": 15}  # fmt: skip
    body["availability"]["officeHours"] = hours(("monday",), (9, 11))
    service = (await api.post("/v1/calendars/services/", json=body)).json()
    utc = ZoneInfo("UTC")
    monday = (ms("2021-06-21T00:00", utc), ms("2021-06-21T23:59", utc))
    free = (await slots(api, service["id"], *monday))["2021-06-21"]["slots"]
    assert [s[11:16] for s in free] == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15",
                                        "10:30"]  # fmt: skip
    assert (await book(api, service["id"], "2021-06-21T09:30:00Z")).status_code == 200
    free = (await slots(api, service["id"], *monday))["2021-06-21"]["slots"]
    # 09:30-10:00 is booked and 10:00-10:15 is its buffer.
    assert [s[11:16] for s in free] == ["09:00", "10:15", "10:30"]
    # Booking into the buffer is refused too.
    refused = await book(api, service["id"], "2021-06-21T10:00:00Z")
    assert refused.json() == {"selectedSlot": {"message": "The selected slot is not available.",
                                               "rule": "invalid"}}  # fmt: skip


async def test_slot_queries_get_v1s_422_map(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    response = await api.get("/v1/appointments/slots")
    assert response.status_code == 422
    assert response.json() == {
        "calendarId": {"message": "The calendar id field is mandatory.", "rule": "required"},
        "startDate": {"message": "The start date field is mandatory.", "rule": "required"},
        "endDate": {"message": "The end date field is mandatory.", "rule": "required"},
    }
    made = await calendar(api)
    start = ms("2021-06-01T00:00")
    cases = [
        ({"endDate": start + 32 * 86_400_000}, {"endDate": "max"}),
        ({"endDate": start - 1}, {"endDate": "invalid"}),
        ({"startDate": "yesterday"}, {"startDate": "invalid"}),
        ({"startDate": "9" * 20}, {"startDate": "invalid"}),
        ({"timezone": "Mars/Olympus"}, {"timezone": "invalid"}),
        ({"calendarId": "nope"}, {"calendarId": "invalid"}),
        ({"userId": "nope"}, {"userId": "invalid"}),
    ]
    for change, expected in cases:
        params = {"calendarId": made["id"], "startDate": start, "endDate": start + 86_400_000,
                  **change}  # fmt: skip
        response = await api.get("/v1/appointments/slots", params=params)
        assert response.status_code == 422, change
        assert {k: v["rule"] for k, v in response.json().items()} == expected, response.text
    # A month is fine; another location's calendar is unknown.
    assert (await api.get("/v1/appointments/slots", params={
        "calendarId": made["id"], "startDate": start,
        "endDate": start + 31 * 86_400_000})).status_code == 200  # fmt: skip
    other = await make_location(app, http)
    response = await other.get("/v1/appointments/slots", params={
        "calendarId": made["id"], "startDate": start, "endDate": start + 1})  # fmt: skip
    assert response.json() == {"calendarId": {"message": "The calendar id is invalid.",
                                              "rule": "invalid"}}  # fmt: skip


async def test_every_slot_offered_across_a_clock_change_can_be_booked(api: Api) -> None:
    # Sundays 01:00-03:00 in New York; 14 March 2021 skips 02:00-03:00.
    made = await calendar(api, slotDuration=60, slotInterval=30, timezone="America/New_York",
                          openHours=hours(("sunday",), (1, 3)))  # fmt: skip
    offered = await slots(api, made["id"], ms("2021-03-14T00:00"), ms("2021-03-14T23:00"))
    starts = offered.get("2021-03-14", {"slots": []})["slots"]
    assert starts  # 01:00 ends at 03:00 by the wall clock
    for start in starts:
        booked = await book(api, made["id"], start, email=f"b{start[11:13]}@example.com")
        assert booked.status_code == 200, (start, booked.text)


async def test_a_range_of_too_many_slots_is_refused(api: Api) -> None:
    made = await calendar(api, slotDuration=1, slotInterval=1)
    start = ms("2021-03-01T00:00")
    refused = await api.get(
        "/v1/appointments/slots",
        params={"calendarId": made["id"], "startDate": start, "endDate": start + 30 * 86_400_000},
    )
    assert refused.status_code == 422 and refused.json()["endDate"]["rule"] == "max"
    day = await slots(api, made["id"], start, start + 3_600_000)
    assert sum(len(d["slots"]) for d in day.values()) == 61
