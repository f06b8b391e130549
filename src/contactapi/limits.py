"""Contract section 11: how much one location may hold, and how much one answer carries.

Past a cap a create is a 422 rule `max`. The lists v1 answers whole (custom fields, tags,
calendars, ...) answer at most 1,000 items at once; `limit` and `startAfterId` page past that."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.validation import Errors

MAX_PAGE = 1000
# Per location.
MAX_CUSTOM_FIELDS = 1_000
MAX_CALENDARS = 10_000
MAX_CAMPAIGNS = 10_000
MAX_WORKFLOWS = 10_000
MAX_CUSTOM_VALUES = 10_000
MAX_CALENDAR_TEAMS = 10_000
MAX_TRIGGER_LINKS = 10_000
MAX_PIPELINES = 10_000
# Per pipeline (ours: v1 documents none; a board of more is no board).
MAX_STAGES_PER_PIPELINE = 100
# Per contact.
MAX_NOTES_PER_CONTACT = 10_000
MAX_TASKS_PER_CONTACT = 10_000
# A custom field's value, or a field's options, as stored (JSON).
MAX_VALUE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = MAX_PAGE
    # The id of the item the page continues after, in the list's own order.
    start_after_id: str | None = None


def parse_page(params: Mapping[str, str]) -> Page:
    """`limit` (1 to 1,000, default 1,000) and `startAfterId`; failures in one 422."""
    errors = Errors()
    limit = MAX_PAGE
    raw = (params.get("limit") or "").strip()
    if raw:
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
            errors.add("limit", f"The limit must be a whole number from 1 to {MAX_PAGE}.",
                       "invalid")  # fmt: skip
        else:
            limit = int(raw)
    start_after_id = (params.get("startAfterId") or "").strip() or None
    if start_after_id is not None and "\x00" in start_after_id:
        errors.add("startAfterId", "The startAfterId must not contain NUL characters.", "invalid")
    errors.raise_any()
    return Page(limit, start_after_id)


async def require_room(rows: LocationRows, cap: int, key: str, noun: str) -> None:
    """A 422 `max` unless the location holds fewer than `cap` of `rows`' kind."""
    if await rows.count_within(cap) >= cap:
        raise ValidationFailed.one(key, f"A location may not have more than {cap:,} {noun}.", "max")


async def page_of(rows: LocationRows, order: tuple[str, ...], page: Page, noun: str) -> list[Row]:
    """`page` of `rows` in `order`; a `startAfterId` naming nothing is a 422."""
    found = await rows.page(order, page.limit, page.start_after_id)
    if found is None:
        raise unknown_id("startAfterId", noun)
    return found
