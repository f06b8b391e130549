"""Events out: each change writes its event to the webhook outbox in the change's own
transaction, one row per subscription that wants it. A rolled-back change sends nothing; a
committed one is delivered at least once (`webhooks/dispatcher.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from contactapi.core import iso_ms, new_id, now_ms
from contactapi.db.engine import Connection

# GHL's v2 names, plus ours for a processed workflow enrollment.
EVENT_TYPES = (
    "ContactCreate", "ContactUpdate", "ContactDelete", "ContactTagUpdate", "ContactDndUpdate",
    "NoteCreate", "NoteUpdate", "NoteDelete", "TaskCreate", "TaskComplete", "TaskDelete",
    "OpportunityCreate", "OpportunityUpdate", "OpportunityDelete", "OpportunityStatusUpdate",
    "OpportunityStageUpdate", "AppointmentCreate", "AppointmentUpdate", "AppointmentDelete",
    "ContactWorkflowEnrolled",
)  # fmt: skip

_SUBSCRIBED = "SELECT id, events FROM webhooks WHERE location_id = $1 AND disabled_at IS NULL"
# The head of its line (`pending`) unless an unfinished delivery of the same subscription and
# key is ahead of it (`queued`: the dispatcher makes it the head when that one finishes).
# (The casts: PostgreSQL deduces one type per parameter, and these two are used twice.)
_INSERT = (
    "INSERT INTO webhook_deliveries (location_id, id, webhook_id, event_id, event_type, body,"
    " ordering_key, status, attempts, next_attempt_at, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries"
    " WHERE webhook_id = CAST($3 AS VARCHAR(20)) AND ordering_key = CAST($7 AS VARCHAR(40))"
    " AND status IN ('pending', 'queued'))"
    " THEN 'queued' ELSE 'pending' END, '[]', $8, $8)"
)
# The first event of a contact made by this transaction heads its lines: nothing to look for.
_INSERT_HEAD = (
    "INSERT INTO webhook_deliveries (location_id, id, webhook_id, event_id, event_type, body,"
    " ordering_key, status, attempts, next_attempt_at, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', '[]', $8, $8)"
)


# Base 36: digits, then lowercase letters, sort in this order under any collation.
_TIME_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def time_prefix(at: int) -> str:
    """`at` (milliseconds) as 8 base-36 digits, which sort as the times do."""
    prefix = ""
    while at:
        at, digit = divmod(at, 36)
        prefix = _TIME_DIGITS[digit] + prefix
    return prefix.rjust(8, "0")


def delivery_id(at: int | None = None) -> str:
    """20 characters of [A-Za-z0-9] like every id, whose first 8 are the time it was made
    (`at`, by default now): each new one lands at the end of its subscription's range of the
    unique index, which is also its log, newest first (`webhooks/repository.py`)."""
    return time_prefix(now_ms() if at is None else at) + new_id(12)


async def emit(
    conn: Connection,
    location_id: str,
    event_type: str,
    fields: dict[str, Any] | Callable[[], dict[str, Any]],
    ordering_key: str,
    *,
    new_key: bool = False,
) -> None:
    """Queues `event_type` with the object's `fields` (v2's payload, after `type` and
    `locationId`; or what makes them, called only when some subscription wants the event) for
    each subscription of the location that wants it. `ordering_key`: the
    contact the event is about; its events reach each URL in the order they were committed.
    `new_key`: that contact was made by this transaction and this is its first event (no other
    transaction can see it yet, and no event of it is queued)."""
    subscriptions = await conn.fetch_all(_SUBSCRIBED, location_id)
    wanted = [row["id"] for row in subscriptions if event_type in orjson.loads(row["events"])]
    if not wanted:
        return
    if callable(fields):
        fields = fields()
    # The contact's row lock, held to the commit: two transactions with events of one contact
    # take their `seq` (the delivery order) in the order they commit, and a dispatcher
    # finishing the head of its line waits for this one (`dispatcher.py`'s promotion). (A
    # deleted contact's delete holds it already; SQLite's writers are serialised anyway; and
    # no other transaction can queue or finish an event of a contact it cannot see yet.)
    lock = conn.dialect.for_update
    if lock and not new_key:
        await conn.fetch_one(
            f"SELECT 1 AS one FROM contacts WHERE location_id = $1 AND id = $2{lock}",
            location_id,
            ordering_key,
        )
    # The event's id, then 12 random characters of each delivery's, in one read.
    at, ids = now_ms(), new_id(20 + 12 * len(wanted))
    event_id, prefix = ids[:20], time_prefix(at)
    # The envelope's keys win over an object's fields of the same name.
    envelope = {"type": event_type, "locationId": location_id}
    body = orjson.dumps({**envelope, **fields, **envelope, "webhookId": event_id,
                         "timestamp": iso_ms(at)}).decode()  # fmt: skip
    await conn.execute_many(_INSERT_HEAD if new_key else _INSERT, [
        (location_id, prefix + ids[20 + 12 * n : 32 + 12 * n], webhook_id, event_id,
         event_type, body, ordering_key, at)
        for n, webhook_id in enumerate(wanted)
    ])  # fmt: skip
