"""Free slots for a month of a busy calendar, on each database: the latency of
`GET /v1/appointments/slots` over 31 days with 2,000 appointments booked (the issue's
target: under 50 ms).

    .venv/bin/python -m bench.bench_slots [--appointments 2000] [--backend sqlite|postgresql]

The calendar is open 07:00 to 22:00 every day in New York (March 2021: the spring change
falls inside the month), with 10-minute slots: 2,790 slots, of which the bookings (made
through the API, each into a free slot) take `--appointments`.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from bench.common import (
    BACKENDS,
    Backend,
    contactapi,
    create_location,
    fresh_database,
    median,
    percentile,
    serve,
)

ZONE = ZoneInfo("America/New_York")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOURS = {day: [{"openHour": 7, "openMinute": 0, "closeHour": 22, "closeMinute": 0}]
         for day in DAYS}  # fmt: skip
MONTH_START = datetime(2021, 3, 1, tzinfo=ZONE)


def month_slots() -> list[str]:
    """Every open slot of March 2021 in New York, as ISO date-times with their offset."""
    found = []
    for day in range(31):
        for minute in range(7 * 60, 22 * 60, 10):
            local = datetime(2021, 3, 1 + day, tzinfo=ZONE) + timedelta(minutes=minute)
            found.append(local.isoformat())
    return found


def run(backend: Backend, appointments: int, requests: int, workdir: Path) -> None:
    with fresh_database(backend) as database:
        contactapi(workdir, "db", "upgrade", "--database", database)
        location = create_location(workdir, "--database", database)
        with serve(workdir, "--database", database, "--no-worker", "--rate-limit", "off",
                   "--daily-limit", "off", timeout=60) as running:  # fmt: skip
            headers = {"Authorization": f"Bearer {location['apiKey']}"}
            with httpx.Client(base_url=running.url, headers=headers, timeout=60) as client:
                calendar = client.post("/v1/calendars/", json={
                    "name": "Busy", "slotDuration": 10, "timezone": "America/New_York",
                    "openHours": HOURS}).json()["calendar"]  # fmt: skip
                contact = client.post("/v1/contacts/", json={"email": "b@example.com"}).json()
                chosen = random.Random(7).sample(month_slots(), appointments)
                for slot in chosen:
                    booked = client.post("/v1/appointments/", json={
                        "calendarId": calendar["id"], "contactId": contact["contact"]["id"],
                        "selectedSlot": slot, "selectedTimezone": "America/New_York"})  # fmt: skip
                    assert booked.status_code == 200, booked.text
                start = int(MONTH_START.timestamp() * 1000)
                params = {"calendarId": calendar["id"], "startDate": start,
                          "endDate": start + 31 * 86_400_000 - 1}  # fmt: skip
                timings = []
                for _ in range(requests):
                    began = time.perf_counter()
                    response = client.get("/v1/appointments/slots", params=params)
                    timings.append((time.perf_counter() - began) * 1000)
                    assert response.status_code == 200, response.text
                free = sum(len(day["slots"]) for day in response.json().values())
                assert free == len(month_slots()) - appointments, free
    print(f"{backend:<10} free slots of a month, {appointments:,} booked ({free:,} free):"
          f" median {median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms,"
          f" max {max(timings):.1f} ms over {requests} requests")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backend or BACKENDS:
            run(backend, args.appointments, args.requests, Path(tmp))


if __name__ == "__main__":
    main()
