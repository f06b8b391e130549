"""When a calendar can be booked: its slots, from open hours read in its time zone, slot
duration and interval, less the time its booked appointments (and their buffers) take.

Slots are laid out in local wall-clock time (`zoneinfo`): across a daylight-saving change a
9:00 slot stays at 9:00 local, and its instant moves. A wall-clock time the change skips
(02:30 on a spring-forward night) has no slot; one it repeats has one, at its first
occurrence.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from contactapi.calendars.hours import ALWAYS_OPEN, DAY_MINUTES, WEEKDAYS, Hours

MINUTE_MS = 60_000
DAY_MS = DAY_MINUTES * MINUTE_MS
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Availability:
    zone: ZoneInfo
    hours: Hours
    # Whether open hours were set (else open at all times).
    limited: bool
    duration: int  # minutes
    interval: int  # minutes between slot starts
    buffer: int  # minutes kept free after a booked appointment


def availability(calendar: Mapping[str, Any], location_timezone: str | None) -> Availability:
    """A calendar row's availability; its zone is its own, else the location's, else UTC."""
    hours = json.loads(calendar["open_hours"]) if calendar["open_hours"] else None
    return Availability(
        zone=ZoneInfo(calendar["timezone"] or location_timezone or "UTC"),
        hours=hours if hours is not None else ALWAYS_OPEN,
        limited=hours is not None,
        duration=calendar["slot_duration"],
        interval=calendar["slot_interval"] or calendar["slot_duration"],
        buffer=calendar["slot_buffer"] or 0,
    )


def _local_ms(moment: datetime) -> int:
    """A naive local date-time as milliseconds on the local clock's own epoch."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _instant(local: datetime, zone: ZoneInfo) -> int | None:
    """The epoch ms of a local wall-clock time, or None when the zone skips it."""
    aware = local.replace(tzinfo=zone)
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != local:
        return None
    return (aware.astimezone(UTC).replace(tzinfo=None) - _EPOCH) // timedelta(milliseconds=1)


def _local_date(epoch_ms: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(epoch_ms / 1000, zone).date()


def open_slots(av: Availability, start_ms: int, end_ms: int) -> list[int]:
    """The starts (epoch ms, ascending) of the slots open hours hold that start within
    [start_ms, end_ms]."""
    found: list[int] = []
    day = _local_date(start_ms, av.zone) - timedelta(days=1)
    last = _local_date(end_ms, av.zone)
    while day <= last:
        midnight = datetime(day.year, day.month, day.day)
        offset = av.zone.utcoffset(midnight) or timedelta(0)
        # No change of offset within the day: every slot is one subtraction away.
        steady = offset == av.zone.utcoffset(midnight + timedelta(days=1))
        base = _local_ms(midnight) - offset // timedelta(milliseconds=1)
        for opens, closes in av.hours.get(WEEKDAYS[day.weekday()], ()):
            for minute in range(opens, closes - av.duration + 1, av.interval):
                if steady:
                    at: int | None = base + minute * MINUTE_MS
                else:
                    at = _instant(midnight + timedelta(minutes=minute), av.zone)
                    # On a day the clocks change, a slot must also end within open hours
                    # by the wall clock, as a booking of it is checked.
                    ends = at + av.duration * MINUTE_MS if at is not None else 0
                    if at is not None and not within_open_hours(av, at, ends):
                        continue
                if at is not None and start_ms <= at <= end_ms:
                    found.append(at)
        day += timedelta(days=1)
    found.sort()  # a repeated hour may place a later wall-clock slot first
    return found


class Busy:
    """Booked time, [start, end) in epoch ms: whether a span overlaps any of it in O(log n)."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        # The latest end among the spans up to each index.
        self.reach = list(accumulate((end for _, end in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self.starts, end)  # the spans that start before `end`
        return before > 0 and self.reach[before - 1] > start


def busy_spans(av: Availability, rows: Sequence[Mapping[str, Any]]) -> Busy:
    return Busy([(row["start_time"], row["end_time"] + av.buffer * MINUTE_MS) for row in rows])


def free_slots(av: Availability, start_ms: int, end_ms: int, busy: Busy) -> list[int]:
    length = av.duration * MINUTE_MS
    return [at for at in open_slots(av, start_ms, end_ms) if not busy.overlaps(at, at + length)]


def _wall_minutes(moment: datetime) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60 + moment.microsecond / 6e7


def within_open_hours(av: Availability, start_ms: int, end_ms: int) -> bool:
    """Whether [start, end) lies inside one open interval of its local day."""
    if not av.limited:
        return True
    start = datetime.fromtimestamp(start_ms / 1000, av.zone)
    end = datetime.fromtimestamp(end_ms / 1000, av.zone)
    opens_at = _wall_minutes(start)
    if end.date() == start.date():
        closes_at = _wall_minutes(end)
    elif end.date() == start.date() + timedelta(days=1) and end.time() == datetime.min.time():
        closes_at = DAY_MINUTES
    else:
        return False
    intervals = av.hours.get(WEEKDAYS[start.weekday()], ())
    return any(opens <= opens_at and closes_at <= closes for opens, closes in intervals)


def by_local_date(slots: Sequence[int], zone: ZoneInfo) -> dict[str, dict[str, list[str]]]:
    """v1's answer: `{"2020-09-04": {"slots": ["2020-09-04T08:00:00+05:30", ...]}, ...}`."""
    days: dict[str, dict[str, list[str]]] = {}
    for at in slots:
        local = datetime.fromtimestamp(at / 1000, zone)
        day = days.setdefault(local.date().isoformat(), {"slots": []})
        day["slots"].append(local.isoformat(timespec="seconds"))
    return days
