"""Booking takes a free slot: inside open hours that are set, overlapping no booked (not
cancelled) appointment of the calendar; rescheduling and re-booking a cancelled appointment
too. Of many bookings racing for the last free slot exactly one wins, on both databases."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from starlette.applications import Starlette

from tests.appointments.test_slots import WEEKDAYS, book, calendar, hours
from tests.factories import Api
from tests.records import stored

NOT_FREE = {"selectedSlot": {"message": "The selected slot is not available.", "rule": "invalid"}}


async def test_a_booking_must_fall_within_open_hours(api: Api) -> None:
    made = await calendar(api, timezone="America/New_York", openHours=hours(WEEKDAYS, (9, 17)))
    for slot in (
        "2021-06-21T08:45:00-04:00",  # starts before opening
        "2021-06-21T16:45:00-04:00",  # ends after closing
        "2021-06-20T10:00:00-04:00",  # a Sunday
        "2021-06-21T09:00:00Z",
    ):  # 09:00 UTC is 05:00 in New York
        response = await book(api, made["id"], slot)
        assert response.json() == NOT_FREE, slot
    for slot in (
        "2021-06-21T09:00:00-04:00",
        "2021-06-21T16:30:00-04:00",
        "2021-06-21T18:30:00+05:00",
    ):  # 09:30 in New York, written in +05:00
        response = await book(api, made["id"], slot)
        assert response.status_code == 200, (slot, response.text)


async def test_overlapping_bookings_are_refused_and_cancelled_ones_free_their_slot(
    app: Starlette, api: Api
) -> None:
    made = await calendar(api, slotDuration=60)  # no open hours: open at all times
    first = await book(api, made["id"], "2021-06-21T10:00:00Z")
    assert first.status_code == 200, first.text
    before = await stored(app, api.location_id)
    for slot in ("2021-06-21T10:00:00Z", "2021-06-21T09:30:00Z", "2021-06-21T10:59:00Z"):
        response = await book(api, made["id"], slot, email="new-buyer@example.com")
        assert response.json() == NOT_FREE, slot
    # Refused bookings wrote nothing, the contact they would have made included.
    assert await stored(app, api.location_id) == before
    for slot in ("2021-06-21T09:00:00Z", "2021-06-21T11:00:00Z"):  # touching is not overlapping
        assert (await book(api, made["id"], slot)).status_code == 200, slot
    # Another calendar's bookings are its own.
    other = await calendar(api)
    assert (await book(api, other["id"], "2021-06-21T10:00:00Z")).status_code == 200
    status = f"/v1/appointments/{first.json()['id']}/status"
    assert (await api.put(status, json={"status": "cancelled"})).status_code == 200
    second = await book(api, made["id"], "2021-06-21T10:00:00Z")
    assert second.status_code == 200, second.text
    # The cancelled one cannot be booked again onto a taken slot.
    assert (await api.put(status, json={"status": "confirmed"})).json() == NOT_FREE


async def test_a_reschedule_must_take_a_free_slot(api: Api) -> None:
    made = await calendar(api, slotDuration=60, timezone="UTC",
                          openHours=hours(WEEKDAYS, (9, 17)))  # fmt: skip
    first = (await book(api, made["id"], "2021-06-21T10:00:00Z")).json()
    second = (await book(api, made["id"], "2021-06-21T12:00:00Z")).json()
    url = f"/v1/appointments/{second['id']}"
    for slot in ("2021-06-21T10:30:00Z", "2021-06-21T16:30:00Z"):  # taken; past closing
        response = await api.put(url, json={"selectedSlot": slot})
        assert response.json() == NOT_FREE, slot
    # Moving within its own time overlaps only itself.
    moved = await api.put(url, json={"selectedSlot": "2021-06-21T12:30:00Z"})
    assert moved.status_code == 200 and moved.json()["startTime"] == "2021-06-21T12:30:00.000Z"
    # v1's own example sends no offset: the time is read in the appointment's zone.
    local = await api.put(url, json={"selectedSlot": "2021-06-21T11:00:00",
                                     "selectedTimezone": "America/New_York"})  # fmt: skip
    assert local.status_code == 200, local.text
    assert local.json()["startTime"] == "2021-06-21T15:00:00.000Z"
    assert (await api.get(f"/v1/appointments/{first['id']}")).json()["startTime"] == (
        "2021-06-21T10:00:00.000Z"
    )


async def race(api: Api, calendar_id: str, slot: str, count: int) -> list[Any]:
    bookings = [book(api, calendar_id, slot, email=f"racer-{i}@example.com") for i in range(count)]
    return list(await asyncio.gather(*bookings))


async def test_of_bookings_racing_for_the_last_free_slot_exactly_one_wins(
    api: Api, backend: str
) -> None:
    made = await calendar(api, slotDuration=60, timezone="UTC",
                          openHours=hours(("monday",), (9, 11)))  # fmt: skip
    assert (await book(api, made["id"], "2021-06-21T09:00:00Z")).status_code == 200
    for round_ in range(5):
        day = (date(2021, 6, 21) + timedelta(weeks=round_)).isoformat()  # Mondays
        if round_:
            assert (await book(api, made["id"], f"{day}T09:00:00Z")).status_code == 200
        responses = await race(api, made["id"], f"{day}T10:00:00Z", 12)
        statuses = [r.status_code for r in responses]
        assert statuses.count(200) == 1, (backend, round_, statuses)
        assert all(r.json() == NOT_FREE for r in responses if r.status_code != 200)
    listed = await api.get("/v1/appointments/", params={
        "calendarId": made["id"], "startDate": 1624233600000,
        "endDate": 1624233600000 + 40 * 86_400_000})  # fmt: skip
    assert len(listed.json()["appointments"]) == 10
