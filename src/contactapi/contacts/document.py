"""The search document: what `query` matches, derived from a contact's columns.

Two columns, kept in step by `ContactRepository` on every write that touches their sources:
`search_text` holds the lower-cased full name, first and last name, email, company name and
tags, separated by a control character no query contains; `search_phone` holds the phone's
digits, so `888-732` can find `+18887324197`. Lower-casing happens here, in Python, once for
the document and once for the query, so every plan (index or scan) compares the same strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

# Separates the fields, so no match spans two of them; the indexes cut documents at it.
from contactapi.db.search.words import FIELD_SEPARATOR

DIGITS = frozenset("0123456789")

SOURCE_COLUMNS = frozenset(
    {"contact_name", "first_name", "last_name", "email", "company_name", "tags", "phone"}
)


def search_text(row: Mapping[str, Any]) -> str:
    """Linear in the number of tags: a contact may carry a thousand."""
    tags = row.get("tags") or "[]"
    tag_list: list[str] = orjson.loads(tags) if isinstance(tags, str | bytes) else list(tags)
    parts: list[str] = []
    names = ""
    for value in (row.get("contact_name"), row.get("first_name"), row.get("last_name")):
        lowered = _field(value)
        # First and last name usually sit inside the full name already: index them once.
        if lowered and lowered not in names:
            parts.append(lowered)
            names += FIELD_SEPARATOR + lowered
    seen: set[str] = set()
    for value in (row.get("email"), row.get("company_name"), *tag_list):
        lowered = _field(value)
        if lowered and lowered not in seen:
            seen.add(lowered)
            parts.append(lowered)
    return FIELD_SEPARATOR.join(parts)


def _field(value: Any) -> str:
    """A field's searched form; the separator in a value becomes a space, so that no query
    can match across two fields."""
    return str(value).lower().replace(FIELD_SEPARATOR, " ") if value else ""


def phone_digits(phone: str | None) -> str:
    return "".join(ch for ch in phone if ch in DIGITS) if phone else ""


def search_columns(row: Mapping[str, Any]) -> dict[str, str]:
    """`search_text` and `search_phone` for a contact's (merged) column values."""
    return {"search_text": search_text(row), "search_phone": phone_digits(row.get("phone"))}
