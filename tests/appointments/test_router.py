"""Calendars and appointments through HTTP: booking, reading, changes, and the cascades."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.contacts.test_router import CONTACT_KEYS
from tests.factories import Api, make_location

EVENT_KEYS = {
    "id", "calendarId", "contactId", "locationId", "title", "status", "appointmentStatus",
    "startTime", "endTime", "selectedTimezone", "notes", "dateAdded", "dateUpdated",
}  # fmt: skip
# What v1 adds to an appointment answered alone or listed.
V1_KEYS = {"userId", "calendarProviderId", "calendarServiceId", "isRecurring", "appoinmentStatus"}
SLOT = "2021-06-23T03:30:00+05:30"  # 2021-06-22T22:00:00Z
LATER = "2021-06-23T05:00:00+05:30"


async def make_calendar(api: Api, **fields: Any) -> dict[str, Any]:
    response = await api.post("/v1/calendars/", json={"name": "Viewings", **fields})
    assert response.status_code == 200, response.text
    calendar: dict[str, Any] = response.json()["calendar"]
    return calendar


async def book(api: Api, calendar: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"calendarId": calendar["id"], "selectedSlot": SLOT,
            "selectedTimezone": "Asia/Kolkata", **fields}  # fmt: skip
    response = await api.post("/v1/appointments/", json=body)
    assert response.status_code == 200, response.text
    appointment: dict[str, Any] = response.json()
    return appointment


def invalid_id(param: str, kind: str) -> dict[str, Any]:
    return {param: {"message": f"The {kind} id is invalid.", "rule": "invalid"}}


async def test_calendars_create_and_list(api: Api) -> None:
    assert (await api.get("/v1/calendars")).json() == {"calendars": []}
    first = await make_calendar(api)
    assert first["slotDuration"] == 30 and first["name"] == "Viewings"
    assert first["locationId"] == api.location_id
    second = await make_calendar(api, name="Calls", slotDuration=15)
    assert second["slotDuration"] == 15
    listed = (await api.get("/v1/calendars/")).json()["calendars"]
    # Oldest first; two made in the same millisecond are in id order.
    assert sorted(listed, key=lambda c: c["id"]) == sorted([first, second], key=lambda c: c["id"])

    response = await api.post("/v1/calendars/", json={"slotDuration": 0})
    assert response.status_code == 422
    assert response.json()["name"]["rule"] == "required"
    assert response.json()["slotDuration"]["rule"] == "invalid"


async def test_book_for_a_new_contact_by_email(api: Api) -> None:
    calendar = await make_calendar(api, slotDuration=45)
    appointment = await book(
        api, calendar, email="Ann@Example.com", firstName="Ann", title="Viewing",
        calendarNotes="Bring keys", address1="1 Main St",
    )  # fmt: skip
    assert set(appointment) == EVENT_KEYS | V1_KEYS | {"contact"}
    assert appointment["appoinmentStatus"] == "confirmed" and appointment["isRecurring"] is False
    assert appointment["calendarServiceId"] is appointment["calendarProviderId"] is None
    assert len(appointment["id"]) == 20
    assert appointment["calendarId"] == calendar["id"]
    assert appointment["locationId"] == api.location_id
    assert appointment["startTime"] == "2021-06-22T22:00:00.000Z"
    assert appointment["endTime"] == "2021-06-22T22:45:00.000Z"
    assert appointment["selectedTimezone"] == "Asia/Kolkata"
    assert appointment["status"] == appointment["appointmentStatus"] == "confirmed"
    assert appointment["title"] == "Viewing" and appointment["notes"] == "Bring keys"
    contact = appointment["contact"]
    assert set(contact) == CONTACT_KEYS
    assert appointment["contactId"] == contact["id"]
    assert contact["email"] == "Ann@Example.com" and contact["firstName"] == "Ann"
    assert contact["address1"] == "1 Main St"
    assert (await api.get(f"/v1/appointments/{appointment['id']}")).json() == appointment


async def test_book_finds_the_contact_as_the_contacts_upsert_does(api: Api) -> None:
    calendar = await make_calendar(api)
    existing = await api.make_contact(phone="+18887324197", tags=["buyer"])
    appointment = await book(api, calendar, phone="888-732-4197", tags=["viewing"])
    assert appointment["contactId"] == existing["id"]
    assert appointment["contact"]["tags"] == ["buyer", "viewing"]
    # Another slot: the first is taken now.
    by_id = await book(api, calendar, contactId=existing["id"], selectedSlot=LATER)
    assert by_id["contactId"] == existing["id"]
    found = await api.get("/v1/contacts/lookup", params={"phone": "+18887324197"})
    assert len(found.json()["contacts"]) == 1


async def test_booking_errors_are_reported_together_and_change_nothing(api: Api) -> None:
    response = await api.post("/v1/appointments/", json={"title": 5})
    assert response.status_code == 422
    errors = response.json()
    assert {key: errors[key]["rule"] for key in errors} == {
        "calendarId": "required",
        "selectedSlot": "required",
        "selectedTimezone": "required",
        "title": "invalid",
        "email or phone": "required",
    }
    calendar = await make_calendar(api)
    bad = await api.post(
        "/v1/appointments/",
        json={"calendarId": calendar["id"], "selectedSlot": "2021-06-23T03:30:00",
              "selectedTimezone": "Mars/Olympus", "email": "kept-out@example.com"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert set(bad.json()) == {"selectedSlot", "selectedTimezone"}
    unknown_calendar = await api.post(
        "/v1/appointments/",
        json={"calendarId": "nope", "selectedSlot": SLOT, "selectedTimezone": "UTC",
              "email": "kept-out@example.com"},
    )  # fmt: skip
    assert unknown_calendar.status_code == 422
    assert unknown_calendar.json() == invalid_id("calendarId", "calendar")
    # The contact the failed bookings would have created is not there.
    lookup = await api.get("/v1/contacts/lookup", params={"email": "kept-out@example.com"})
    assert lookup.json() == {"contacts": []}
    unknown_contact = await api.post(
        "/v1/appointments/",
        json={"calendarId": calendar["id"], "selectedSlot": SLOT, "selectedTimezone": "UTC",
              "contactId": "nope"},
    )  # fmt: skip
    assert unknown_contact.json() == invalid_id("contactId", "contact")


async def test_another_locations_calendar_contact_and_appointment_are_unknown(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    other = await make_location(app, http)
    their_calendar = await make_calendar(other)
    their_contact = await other.make_contact()
    theirs = await book(other, their_calendar, contactId=their_contact["id"])
    mine = await make_calendar(api)

    response = await api.post(
        "/v1/appointments/",
        json={"calendarId": their_calendar["id"], "selectedSlot": SLOT, "selectedTimezone": "UTC",
              "contactId": their_contact["id"]},
    )  # fmt: skip
    assert response.json() == {**invalid_id("calendarId", "calendar"),
                               **invalid_id("contactId", "contact")}  # fmt: skip
    response = await api.post(
        "/v1/appointments/",
        json={"calendarId": mine["id"], "selectedSlot": SLOT, "selectedTimezone": "UTC",
              "contactId": their_contact["id"]},
    )  # fmt: skip
    assert response.json() == invalid_id("contactId", "contact")
    for method, path, body in [
        ("GET", "", None),
        ("PUT", "", {"title": "mine now"}),
        ("PUT", "/status", {"status": "cancelled"}),
        ("DELETE", "", None),
    ]:
        response = await api.request(method, f"/v1/appointments/{theirs['id']}{path}", json=body)
        assert response.status_code == 422, (method, path)
        assert response.json() == invalid_id("appointmentId", "appointment")
    listed = await api.get(f"/v1/contacts/{their_contact['id']}/appointments/")
    assert listed.json() == invalid_id("contactId", "contact")
    assert (await other.get(f"/v1/appointments/{theirs['id']}")).json() == theirs


async def test_reschedule_keeps_the_duration_and_changes_sent_fields(api: Api) -> None:
    calendar = await make_calendar(api, slotDuration=60)
    booked = await book(api, calendar, email="r@example.com", title="First", calendarNotes="n")
    response = await api.put(
        f"/v1/appointments/{booked['id']}/",
        json={"selectedSlot": "2021-07-01T09:00:00-04:00", "selectedTimezone": "America/New_York",
              "title": None},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["startTime"] == "2021-07-01T13:00:00.000Z"
    assert moved["endTime"] == "2021-07-01T14:00:00.000Z"
    assert moved["selectedTimezone"] == "America/New_York"
    assert moved["title"] is None and moved["notes"] == "n"
    assert moved["dateUpdated"] >= booked["dateUpdated"]
    assert moved["contact"]["id"] == booked["contactId"]

    for body in ({"selectedSlot": None}, {"selectedSlot": "tomorrow"},
                 {"selectedTimezone": "Nowhere"}, {"calendarNotes": ["x"]}):  # fmt: skip
        response = await api.put(f"/v1/appointments/{booked['id']}", json=body)
        assert response.status_code == 422, body
        assert set(response.json()) <= {"selectedSlot", "selectedTimezone", "calendarNotes"}
    assert (await api.get(f"/v1/appointments/{booked['id']}")).json() == moved


@pytest.mark.parametrize("status", ["confirmed", "cancelled", "showed", "noshow", "invalid"])
async def test_status_changes(api: Api, status: str) -> None:
    calendar = await make_calendar(api)
    booked = await book(api, calendar, email="s@example.com")
    response = await api.put(f"/v1/appointments/{booked['id']}/status", json={"status": status})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == response.json()["appointmentStatus"] == status


async def test_status_must_be_one_of_the_five(api: Api) -> None:
    calendar = await make_calendar(api)
    booked = await book(api, calendar, email="s@example.com")
    for body, rule in (({}, "required"), ({"status": "booked"}, "invalid")):
        response = await api.put(f"/v1/appointments/{booked['id']}/status/", json=body)
        assert response.status_code == 422
        assert response.json()["status"]["rule"] == rule
    missing = await api.put("/v1/appointments/nope/status", json={"status": "showed"})
    assert missing.json() == invalid_id("appointmentId", "appointment")


async def test_delete(api: Api) -> None:
    calendar = await make_calendar(api)
    booked = await book(api, calendar, email="d@example.com")
    response = await api.delete(f"/v1/appointments/{booked['id']}")
    assert response.status_code == 200 and response.content == b""
    for method in ("GET", "DELETE"):
        again = await api.request(method, f"/v1/appointments/{booked['id']}")
        assert again.status_code == 422
        assert again.json() == invalid_id("appointmentId", "appointment")
    events = await api.get(f"/v1/contacts/{booked['contactId']}/appointments")
    assert events.json() == {"events": []}


async def test_contact_appointments_by_start_time(api: Api) -> None:
    calendar = await make_calendar(api)
    contact = await api.make_contact()
    assert (await api.get(f"/v1/contacts/{contact['id']}/appointments/")).json() == {"events": []}
    slots = ["2021-06-25T10:00:00Z", "2021-06-23T10:00:00+02:00", "2021-06-24T10:00:00-07:00"]
    for slot in slots:
        await book(api, calendar, contactId=contact["id"], selectedSlot=slot)
    await book(api, calendar, email="someone-else@example.com", selectedSlot=LATER)
    response = await api.get(f"/v1/contacts/{contact['id']}/appointments/")
    assert response.status_code == 200
    events = response.json()["events"]
    assert [event["startTime"] for event in events] == [
        "2021-06-23T08:00:00.000Z", "2021-06-24T17:00:00.000Z", "2021-06-25T10:00:00.000Z",
    ]  # fmt: skip
    assert all(set(event) == EVENT_KEYS for event in events)
    assert {event["contactId"] for event in events} == {contact["id"]}
    missing = await api.get("/v1/contacts/nope/appointments")
    assert missing.json() == invalid_id("contactId", "contact")


async def test_deleting_the_contact_deletes_its_appointments(api: Api) -> None:
    calendar = await make_calendar(api)
    booked = await book(api, calendar, email="gone@example.com")
    assert (await api.delete(f"/v1/contacts/{booked['contactId']}")).status_code == 200
    response = await api.get(f"/v1/appointments/{booked['id']}")
    assert response.json() == invalid_id("appointmentId", "appointment")


async def test_openapi_describes_the_custom_field_calendar_and_appointment_routes(
    http: httpx.AsyncClient,
) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    assert {
        "/v1/custom-fields/", "/v1/custom-fields/{customFieldId}", "/v1/calendars/",
        "/v1/appointments/", "/v1/appointments/{appointmentId}",
        "/v1/appointments/{appointmentId}/status", "/v1/contacts/{contactId}/appointments/",
    } <= set(paths)  # fmt: skip
    assert set(paths["/v1/appointments/{appointmentId}"]) == {"get", "put", "delete"}
