"""The query strings of the free-slots and appointment-list routes: each failure keyed by
its parameter, all in one 422 (v1's keys)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from contactapi import validation as v
from contactapi.appointments.repository import ListFilters
from contactapi.validation import Errors

# The range one free-slots request may span: a month.
MAX_SLOT_RANGE_DAYS = 31
DAY_MS = 24 * 60 * 60_000
# The instants an epoch-ms date may name: slots are rendered as date-times (years 1 to 9999).
_EARLIEST_MS = int(datetime(1, 1, 3, tzinfo=UTC).timestamp() * 1000)
_LATEST_MS = int(datetime(9998, 12, 30, tzinfo=UTC).timestamp() * 1000)
# v1's key for the missing calendar/team/user (`calendarProviderId` is v1's name for a team).
WHICH_KEY = "userId or calendarProviderId"


def _text(params: Mapping[str, str], name: str) -> str | None:
    return (params.get(name) or "").strip() or None


def _epoch_ms(errors: Errors, params: Mapping[str, str], name: str) -> int | None:
    raw = _text(params, name)
    if raw is None:
        errors.add(name, f"The {v.label(name)} field is mandatory.", "required")
        return None
    digits = raw.removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 16):
        errors.add(name, f"The {v.label(name)} must be epoch milliseconds.")
        return None
    value = int(raw)
    if not _EARLIEST_MS <= value <= _LATEST_MS:
        errors.add(name, f"The {v.label(name)} must be between years 0001 and 9998.")
        return None
    return value


def _range(errors: Errors, params: Mapping[str, str]) -> tuple[int, int]:
    start, end = _epoch_ms(errors, params, "startDate"), _epoch_ms(errors, params, "endDate")
    if start is not None and end is not None and end < start:
        errors.add("endDate", "The end date must not be before the start date.")
    return start or 0, end or 0


@dataclass(frozen=True, slots=True)
class SlotsQuery:
    calendar_id: str
    start: int
    end: int
    # The zone slots are written in; None: the calendar's.
    timezone: str | None
    user_id: str | None


def parse_slots_query(params: Mapping[str, str]) -> SlotsQuery:
    errors = Errors()
    calendar_id = _text(params, "calendarId")
    if calendar_id is None:
        errors.add("calendarId", "The calendar id field is mandatory.", "required")
    start, end = _range(errors, params)
    dated = not {"startDate", "endDate"} & set(errors.fields)
    if dated and end - start > MAX_SLOT_RANGE_DAYS * DAY_MS:
        errors.add("endDate", f"The dates may span at most {MAX_SLOT_RANGE_DAYS} days.", "max")
    timezone = errors.read("timezone", v.timezone, params.get("timezone"))
    errors.raise_any()
    assert calendar_id is not None
    return SlotsQuery(calendar_id, start, end, timezone, _text(params, "userId"))


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: ListFilters
    # With each appointment's contact (v1's "contact and more data").
    include_all: bool


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    errors = Errors()
    start, end = _range(errors, params)
    calendar_id, user_id = _text(params, "calendarId"), _text(params, "userId")
    team_id = _text(params, "teamId") or _text(params, "calendarProviderId")
    if calendar_id is None and user_id is None and team_id is None:
        errors.add(WHICH_KEY, "The user id or calendar provider id field is mandatory.",
                   "required")  # fmt: skip
    include_all = errors.read("includeAll", v.boolean, params.get("includeAll"))
    errors.raise_any()
    return ListQuery(ListFilters(start, end, calendar_id, team_id, user_id), bool(include_all))
