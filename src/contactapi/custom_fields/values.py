"""What each custom field data type accepts, and the normalised value it stores (as JSON).

A validator returns the value to store, `None` to clear the field (null, "" or []), or raises
`FieldInvalid`; the caller files the error under `customField.<field id>`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.limits import MAX_VALUE_BYTES
from contactapi.validation import FieldInvalid

DATA_TYPES = (
    "TEXT", "LARGE_TEXT", "NUMERICAL", "PHONE", "MONETORY", "CHECKBOX", "SINGLE_OPTIONS",
    "MULTIPLE_OPTIONS", "FLOAT", "TIME", "DATE", "TEXTBOX_LIST", "FILE_UPLOAD", "SIGNATURE",
)  # fmt: skip
OPTION_TYPES = frozenset({"CHECKBOX", "SINGLE_OPTIONS", "MULTIPLE_OPTIONS"})

# Messages say "the value": the error's key (`customField.<id>`) names the field.
FIELD = "value"
MAX_TEXT = 2048
MAX_LARGE_TEXT = 65_536
MAX_LIST_ITEMS = 1000
# Integers beyond 2^53 lose precision in JavaScript clients (and in JSON number handling).
MAX_SAFE_INTEGER = 2**53 - 1
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _text(value: Any, max_length: int) -> str | None:
    # Numbers are written as text (a form that sends a ZIP code as 35061 means "35061").
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return v.text(FIELD, value, max_length)


def _number(value: Any) -> int | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        raw = value.strip()
        # Length first: int() refuses strings of over 4,300 digits (a 500, not a 422).
        if len(raw) > 40 or not _NUMBER.match(raw):
            raise FieldInvalid("The value must be a number.")
        value = int(raw) if _INTEGER.match(raw) else float(raw)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldInvalid("The value must be a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldInvalid("The value must be a finite number.")
    if abs(value) > MAX_SAFE_INTEGER:
        raise FieldInvalid(f"The value may not be greater than {MAX_SAFE_INTEGER}.", "max")
    return value


def _by_lower_case(options: Sequence[str]) -> dict[str, str]:
    """Each option under its lower-cased form (the first option wins a tie)."""
    found: dict[str, str] = {}
    for option in options:
        found.setdefault(option.lower(), option)
    return found


def _pick(value: Any, options: Sequence[str], by_lower: Mapping[str, str]) -> str:
    """The option as defined, matched exactly or else case-insensitively."""
    if not isinstance(value, str):
        raise FieldInvalid("The value must be one of the field's options.")
    raw = value.strip()
    if raw in options:
        return raw
    option = by_lower.get(raw.lower())
    if option is None:
        raise FieldInvalid(f"The value must be one of: {', '.join(options)}.")
    return option


def _one_option(value: Any, options: Sequence[str]) -> str | None:
    if value is None or value == "":
        return None
    return _pick(value, options, _by_lower_case(options))


def _many_options(value: Any, options: Sequence[str]) -> list[str] | None:
    # A single option alone is taken as a list of one.
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise FieldInvalid("The value must be a list of the field's options.")
    if len(items) > MAX_LIST_ITEMS:
        raise FieldInvalid(f"The value may not have more than {MAX_LIST_ITEMS} items.", "max")
    by_lower = _by_lower_case(options)
    picked = list(dict.fromkeys(_pick(item, options, by_lower) for item in items if item != ""))
    return picked or None


def _text_list(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        raise FieldInvalid("The value must be a list of strings.")
    if len(value) > MAX_LIST_ITEMS:
        raise FieldInvalid(f"The value may not have more than {MAX_LIST_ITEMS} items.", "max")
    items = [item for item in (v.text(FIELD, raw, MAX_TEXT) for raw in value) if item]
    return items or None


def _date(value: Any) -> int | None:
    """Epoch milliseconds, as v1 answers. `YYYY-MM-DD` and date-times without an offset are
    taken as UTC; a number is already epoch milliseconds (what a read gave back)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value != int(value) or abs(value) > MAX_SAFE_INTEGER:
            raise FieldInvalid("The value must be a date (YYYY-MM-DD) or epoch milliseconds.")
        return int(value)
    if not isinstance(value, str):
        raise FieldInvalid("The value must be a date (YYYY-MM-DD) or an ISO 8601 date-time.")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise FieldInvalid(
            "The value must be a date (YYYY-MM-DD) or an ISO 8601 date-time."
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return (parsed - _EPOCH) // timedelta(milliseconds=1)


def _time(value: Any) -> str | None:
    raw = v.text(FIELD, value, 5)
    if raw is None:
        return None
    found = _TIME.match(raw)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise FieldInvalid("The value must be a time in HH:MM format.")
    return f"{int(found[1]):02d}:{found[2]}"


Normaliser = Callable[[Any, Sequence[str], str], Any]

_NORMALISERS: dict[str, Normaliser] = {
    "TEXT": lambda value, options, country: _text(value, MAX_TEXT),
    "LARGE_TEXT": lambda value, options, country: _text(value, MAX_LARGE_TEXT),
    "NUMERICAL": lambda value, options, country: _number(value),
    "FLOAT": lambda value, options, country: _number(value),
    "MONETORY": lambda value, options, country: _number(value),
    "PHONE": lambda value, options, country: v.phone(FIELD, value, country),
    "CHECKBOX": lambda value, options, country: _many_options(value, options),
    "MULTIPLE_OPTIONS": lambda value, options, country: _many_options(value, options),
    "SINGLE_OPTIONS": lambda value, options, country: _one_option(value, options),
    "DATE": lambda value, options, country: _date(value),
    "TIME": lambda value, options, country: _time(value),
    "TEXTBOX_LIST": lambda value, options, country: _text_list(value),
    "FILE_UPLOAD": lambda value, options, country: v.url(FIELD, value),
    "SIGNATURE": lambda value, options, country: v.url(FIELD, value),
}
assert set(_NORMALISERS) == set(DATA_TYPES)


def normalise(data_type: str, options: Sequence[str], value: Any, country: str) -> Any:
    """The value to store for a field of `data_type`, or None to clear it."""
    if value is None:
        return None
    normalised = _NORMALISERS[data_type](value, options, country)
    if len(orjson.dumps(normalised)) > MAX_VALUE_BYTES:
        raise FieldInvalid(
            f"The value may not be larger than {MAX_VALUE_BYTES // 1024} KiB.", "max"
        )
    return normalised
