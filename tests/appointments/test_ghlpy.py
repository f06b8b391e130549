"""The GHLPy client from PyPI, unchanged, against a live `contactapi serve`.

GHLPy is synchronous (requests) and sets no timeouts, so the socket default bounds each call;
the server is a subprocess on a free localhost port, always stopped at the end.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from GHL.ghlFunctions import GHLPy

from tests.live import create_location, live_server

CALL_TIMEOUT_S = 15


@dataclass
class Endpoint:
    """A live server and the API key of its one location."""

    base_url: str
    api_key: str


@pytest.fixture
def endpoint(database_url: str, tmp_path: Path) -> Iterator[Endpoint]:
    _, api_key = create_location(database_url)
    with live_server(database_url, tmp_path, "--no-worker", "--rate-limit", "off") as server:
        previous_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(CALL_TIMEOUT_S)
        try:
            yield Endpoint(server.base_url, api_key)
        finally:
            socket.setdefaulttimeout(previous_timeout)


def _create_calendar(endpoint: Endpoint) -> str:
    response = requests.post(
        f"{endpoint.base_url}/v1/calendars/",
        json={"name": "Viewings", "slotDuration": 45},
        headers={"Authorization": f"Bearer {endpoint.api_key}"},
        timeout=CALL_TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    calendar_id: str = response.json()["calendar"]["id"]
    return calendar_id


# What an appointment answered alone carries besides its event keys (v1's keys, the contact).
_NOT_IN_EVENTS = {"contact", "userId", "calendarProviderId", "calendarServiceId", "isRecurring",
                  "appoinmentStatus"}  # fmt: skip


def _event(appointment: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in appointment.items() if key not in _NOT_IN_EVENTS}


def test_ghlpy_books_reads_and_lists_appointments(endpoint: Endpoint) -> None:
    calendar_id = _create_calendar(endpoint)
    client = GHLPy(endpoint.api_key)
    client.endpoint = endpoint.base_url + "/v1"

    booked = client.bookAppointment(
        email="john@deo.com",
        phone="+1 888-732-4197",
        selectedSlot="2021-06-23T03:30:00+05:30",
        selectedTimeZone="Asia/Kolkata",
        calendarId=calendar_id,
        firstName="John",
        lastName="Deo",
        name="John Deo",
        title="Viewing",
        address1="3535 1st St N",
        city="Dolomite",
        state="AL",
        website="https://www.example.com",
        calendarNotes="Bring the keys",
    )
    assert isinstance(booked, dict), booked
    assert booked["calendarId"] == calendar_id
    assert booked["startTime"] == "2021-06-22T22:00:00.000Z"
    assert booked["endTime"] == "2021-06-22T22:45:00.000Z"
    assert booked["selectedTimezone"] == "Asia/Kolkata"
    assert booked["title"] == "Viewing" and booked["notes"] == "Bring the keys"
    assert booked["appointmentStatus"] == "confirmed"
    contact = booked["contact"]
    assert booked["contactId"] == contact["id"]
    assert (contact["email"], contact["phone"]) == ("john@deo.com", "+18887324197")
    assert (contact["firstName"], contact["lastName"]) == ("John", "Deo")
    assert (contact["address1"], contact["city"], contact["state"]) == (
        "3535 1st St N", "Dolomite", "AL",
    )  # fmt: skip
    assert contact["website"] == "https://www.example.com"

    assert client.get_appointmentById(booked["id"]) == booked
    assert client.contact_appointments(contact["id"]) == {"events": [_event(booked)]}

    moved = client.update_appointmentById(booked["id"], "2021-06-24T10:00:00+05:30", "UTC")
    assert moved["startTime"] == "2021-06-24T04:30:00.000Z"
    assert moved["selectedTimezone"] == "UTC"
    showed = client.update_appointmentStatusById(booked["id"], "showed")
    assert showed["appointmentStatus"] == "showed"
    assert client.contact_appointments(contact["id"]) == {"events": [_event(showed)]}

    client.delete_appointmentById(booked["id"])  # answers 200 with an empty body, as v1
    assert client.contact_appointments(contact["id"]) == {"events": []}
    assert client.get_appointmentById(booked["id"]) == {
        "appointmentId": {"message": "The appointment id is invalid.", "rule": "invalid"}
    }
