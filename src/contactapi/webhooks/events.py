"""Events out: each change writes its event to the webhook outbox in the change's own
transaction, one row per subscription that wants it. A rolled-back change sends nothing; a
committed one is delivered at least once (`webhooks/dispatcher.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from contactapi.core import iso_ms, new_id, now_ms, time_prefix
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
_INSERT_WITH_STATUS = (
    "INSERT INTO webhook_deliveries (location_id, id, webhook_id, event_id, event_type, body,"
    " ordering_key, status, attempts, next_attempt_at, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, {status}, '[]', $8, $8)"
)
_INSERT = _INSERT_WITH_STATUS.format(
    status="CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries"
    " WHERE webhook_id = CAST($3 AS VARCHAR(20)) AND ordering_key = CAST($7 AS VARCHAR(40))"
    " AND status IN ('pending', 'queued')) THEN 'queued' ELSE 'pending' END"
)
# The first event of a contact made by this transaction heads its lines: nothing to look for.
_INSERT_HEAD = _INSERT_WITH_STATUS.format(status="'pending'")


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """An event's body and ids, made before its transaction (none of it needs the database,
    so it holds no write lock); used if a subscription wants the event once the transaction
    looks."""

    event_type: str
    event_id: str
    at: int
    body: str


# The event types some live subscription of each location wanted when this process last
# looked: whether an event is worth preparing before its transaction. Only a guess: the
# transaction reads the subscriptions itself.
_WANTED_BEFORE: dict[str, frozenset[str]] = {}
_WANTED_BEFORE_MAX = 10_000


def likely_wanted(location_id: str, event_type: str) -> bool:
    return event_type in _WANTED_BEFORE.get(location_id, ())


def _body(location_id: str, event_type: str, fields: dict[str, Any], event_id: str, at: int) -> str:
    # The envelope's keys win over an object's fields of the same name.
    envelope = {"type": event_type, "locationId": location_id}
    return orjson.dumps({**envelope, **fields, **envelope, "webhookId": event_id,
                         "timestamp": iso_ms(at)}).decode()  # fmt: skip


def prepare_event(location_id: str, event_type: str, fields: dict[str, Any]) -> PreparedEvent:
    at, event_id = now_ms(), new_id()
    return PreparedEvent(event_type, event_id, at, _body(location_id, event_type, fields,
                                                         event_id, at))  # fmt: skip


async def emit(
    conn: Connection,
    location_id: str,
    event_type: str,
    fields: dict[str, Any] | Callable[[], dict[str, Any]],
    ordering_key: str,
    *,
    new_key: bool = False,
    prepared: PreparedEvent | None = None,
) -> None:
    """Queues `event_type` with the object's `fields` (v2's payload, after `type` and
    `locationId`; or what makes them, called only when some subscription wants the event) for
    each subscription of the location that wants it. `ordering_key`: the
    contact the event is about; its events reach each URL in the order they were committed.
    `new_key`: that contact was made by this transaction and this is its first event (no other
    transaction can see it yet, and no event of it is queued). `prepared`: this event made
    before the transaction (`prepare_event`), from the same fields."""
    subscriptions = await conn.fetch_all(_SUBSCRIBED, location_id)
    wanted, types = [], set()
    for row in subscriptions:
        events = orjson.loads(row["events"])
        types.update(events)
        if event_type in events:
            wanted.append(row["id"])
    _remember(location_id, types)
    if not wanted:
        return
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
    ids = new_id(20 + 12 * len(wanted))
    if prepared is not None and prepared.event_type == event_type:
        at, event_id, body = prepared.at, prepared.event_id, prepared.body
    else:
        at, event_id = now_ms(), ids[:20]
        body = _body(location_id, event_type, fields() if callable(fields) else fields,
                     event_id, at)  # fmt: skip
    prefix = time_prefix(at)
    await conn.execute_many(_INSERT_HEAD if new_key else _INSERT, [
        (location_id, prefix + ids[20 + 12 * n : 32 + 12 * n], webhook_id, event_id,
         event_type, body, ordering_key, at)
        for n, webhook_id in enumerate(wanted)
    ])  # fmt: skip


def _remember(location_id: str, types: set[str]) -> None:
    if not types:  # most locations: kept out of the map
        _WANTED_BEFORE.pop(location_id, None)
        return
    wanted = frozenset(types)
    if _WANTED_BEFORE.get(location_id) != wanted:
        if len(_WANTED_BEFORE) >= _WANTED_BEFORE_MAX:
            _WANTED_BEFORE.clear()
        _WANTED_BEFORE[location_id] = wanted
