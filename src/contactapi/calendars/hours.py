"""Open hours: per weekday, intervals of local wall-clock time, in v1's `officeHours` shape.

Stored as `{"monday": [[open_minute, close_minute], ...], ...}` (minutes after local
midnight, merged and sorted); a weekday not named is closed. A calendar without open hours
(NULL) is open at all times.
"""

from __future__ import annotations

from typing import Any

from contactapi import validation as v

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_MINUTES = 24 * 60
# Intervals per weekday: a guard against a body of thousands.
MAX_INTERVALS = 48
Hours = dict[str, list[list[int]]]
# Every weekday, open all day: what a calendar without open hours is.
ALWAYS_OPEN: Hours = {day: [[0, DAY_MINUTES]] for day in WEEKDAYS}


def _whole(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _interval(item: Any) -> list[int] | None:
    """`{"openHour", "openMinute", "closeHour", "closeMinute"}` as [open, close) minutes;
    closing at 24:00 closes at midnight."""
    if not isinstance(item, dict):
        return None
    parts = [
        _whole(item.get("openHour"), 0, 23),
        _whole(item.get("openMinute", 0), 0, 59),
        _whole(item.get("closeHour"), 0, 24),
        _whole(item.get("closeMinute", 0), 0, 59),
    ]
    if any(part is None for part in parts):
        return None
    open_hour, open_minute, close_hour, close_minute = (int(part or 0) for part in parts)
    start, end = open_hour * 60 + open_minute, close_hour * 60 + close_minute
    if end > DAY_MINUTES or end <= start:
        return None
    return [start, end]


def _merged(intervals: list[list[int]]) -> list[list[int]]:
    """Sorted, with overlapping or touching intervals made one (v1's example repeats one)."""
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def parse_hours(field: str, value: Any) -> Hours | None:
    """v1's `officeHours` object; None when not sent."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise v.FieldInvalid(f"The {field} must be an object of weekdays.")
    hours: Hours = {}
    for day, items in value.items():
        if day.lower() not in WEEKDAYS:
            raise v.FieldInvalid(f"The {field} may only name weekdays ({', '.join(WEEKDAYS)}).")
        if not isinstance(items, list):
            raise v.FieldInvalid(f"The {field}.{day} must be a list of intervals.")
        if len(items) > MAX_INTERVALS:
            raise v.FieldInvalid(
                f"The {field}.{day} may not have more than {MAX_INTERVALS} intervals.", "max"
            )
        intervals = [_interval(item) for item in items]
        if any(interval is None for interval in intervals):
            raise v.FieldInvalid(
                f"Each interval of {field}.{day} needs openHour (0-23), openMinute (0-59), "
                "closeHour (0-24) and closeMinute (0-59), closing after it opens, by 24:00."
            )
        hours[day.lower()] = _merged(
            [*hours.get(day.lower(), []), *(i for i in intervals if i is not None)]
        )
    return hours


def hours_to_api(hours: Hours | None) -> dict[str, list[dict[str, int]]] | None:
    if hours is None:
        return None
    return {
        day: [
            {"openHour": start // 60, "openMinute": start % 60,
             "closeHour": end // 60, "closeMinute": end % 60}
            for start, end in hours[day]
        ]
        for day in WEEKDAYS
        if day in hours
    }  # fmt: skip
