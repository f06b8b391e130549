"""Delivering the webhook outbox: claims due deliveries in batches under a lease (one short
write), sends each as its own task over its subscription's kept-alive connections
(`webhooks/sender.py`), and records the attempts of many sends in one batched write. A slow or
dead receiver holds only its own subscription's connections: the loop keeps claiming for the
others.

Order: the deliveries of one subscription and `ordering_key` (a contact) form a line; only
its head is `pending`, the others wait `queued` (`events.py`), and when the head finishes the
next becomes the head. So one contact's events reach a URL in commit order (and a failing one
holds back the later ones of that contact, for that URL only, until it succeeds or is given
up), and a claim reads due heads only, however many wait behind them. At least once: a
delivery is marked done only after its receiver answered 2xx; one whose dispatcher died is
taken again when its lease runs out. A claimed delivery that could not start its send early
enough to end within its lease is let go unsent, never sent late.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from standardwebhooks import Webhook

from contactapi import metrics
from contactapi.core import iso_ms, now_ms
from contactapi.db.engine import Connection, Database, Row
from contactapi.webhooks.event_signer import EventSigner
from contactapi.webhooks.sender import CONNECTIONS_PER_WEBHOOK, TIMEOUT_SECONDS, Outcome, Sender
from contactapi.webhooks.signing import signing_keys, standard_headers, utc_now

log = logging.getLogger("contactapi.webhooks")

# A delivery is retried for this long after its event, then given up.
GIVE_UP_AFTER_MS = 24 * 3600 * 1000
FIRST_RETRY_MS = 1_000
MAX_RETRY_MS = 3600 * 1000
# How long a claim holds: a dispatcher that died lets its deliveries go after this. A send
# starts only while it can end (TIMEOUT_SECONDS) with START_MARGIN_S to spare within it.
LEASE_MS = 30_000
START_MARGIN_S = 2.0
# The delivery log keeps finished deliveries this long; older ones are pruned in batches.
RETENTION_MS = 7 * 24 * 3600 * 1000
PRUNE_EVERY_SECONDS = 60.0
PRUNE_BATCH = 5_000
# Deliveries claimed (being sent, or waiting for one of their subscription's connections) at
# once: per dispatcher, per location (one tenant leaves room for the others), and per
# subscription: many while its receiver answers fast (a claim is a write: worth making for a
# batch), its connections' worth only while it is slow or failing.
MAX_CLAIMED = 512
PER_LOCATION = 256
PER_WEBHOOK = 128
PER_SLOW_WEBHOOK = CONNECTIONS_PER_WEBHOOK
# A subscription whose send failed or took this long counts as slow for SLOW_FOR_S.
SLOW_SEND_S = 1.0
SLOW_FOR_S = 30.0
# A claim is made for this many at least, per subscription too (unless none is claimed).
CLAIM_AT_LEAST = 64
# Attempts are recorded once this many are waiting, or the oldest waited this long, or
# nothing is in flight: one transaction for many sends.
RECORD_AT = 256
RECORD_AFTER_S = 0.05
# After a send finishes, how long to wait for others to finish too before looking again.
COALESCE_SECONDS = 0.005
# GHL's signatures of recent events, kept for their other subscriptions and retries.
SIGNED_EVENTS = 4096
# Events signed together (in the signer process when there are enough): the first sends of
# a large claim wait for their chunk's signatures only.
SIGN_CHUNK = 32

# Due heads of live subscriptions, but those of the subscriptions and locations given
# (`{busy}`: ones with no room left). Ordered by the index alone, so the scan stops at the
# limit.
_DUE = """
SELECT d.seq, d.webhook_id, d.location_id FROM webhook_deliveries d
JOIN webhooks w ON w.location_id = d.location_id AND w.id = d.webhook_id
WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.disabled_at IS NULL
  AND (d.locked_until IS NULL OR d.locked_until < $1){busy}
ORDER BY d.next_attempt_at LIMIT $2
"""
# `{seqs}`: the chosen ones' placeholders, from $3.
_CLAIM = """
UPDATE webhook_deliveries SET locked_until = $1
WHERE seq IN ({seqs}) AND status = 'pending' AND (locked_until IS NULL OR locked_until < $2)
RETURNING seq, location_id, webhook_id, event_id, body, attempts, created_at, ordering_key
"""
_RECORD = (
    "UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4,"
    " locked_until = NULL WHERE seq = $1 AND locked_until = $5"
)
# The first unfinished delivery of a line ($1 subscription, $2 key) becomes its head.
_PROMOTE = """
UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3
WHERE status = 'queued' AND seq = (SELECT min(seq) FROM webhook_deliveries
  WHERE webhook_id = $1 AND ordering_key = $2 AND status IN ('pending', 'queued'))
"""
_RELEASE = "UPDATE webhook_deliveries SET locked_until = NULL WHERE seq = $1 AND locked_until = $2"
# Retries of subscriptions stopped meanwhile are given up (`{seqs}` from $1).
_STOPPED = """
UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL
WHERE seq IN ({seqs}) AND status = 'pending' AND EXISTS (SELECT 1 FROM webhooks w
  WHERE w.location_id = webhook_deliveries.location_id AND w.id = webhook_deliveries.webhook_id
  AND w.disabled_at IS NOT NULL)
"""
_STATIC_HEADERS = {"content-type": "application/json", "user-agent": "contactapi-webhooks"}


def marks(count: int, first: int) -> str:
    return ", ".join(f"${n}" for n in range(first, first + count))


@dataclass(frozen=True)
class Claimed:
    seq: int
    location_id: str
    webhook_id: str
    event_id: str
    body: bytes
    attempts: str  # the JSON array of earlier attempts, as stored
    created_at: int
    ordering_key: str
    url: str
    secret: str
    lease: int
    start_by: float  # monotonic: a send starting later might outlast the lease


def retry_delay_ms(attempt: int) -> int:
    """Exponential, capped, with full jitter over its upper half."""
    ceiling = min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** max(0, attempt - 1))
    return int(ceiling * random.uniform(0.5, 1.0))


def with_attempt(attempts: str, attempt: dict[str, Any]) -> str:
    """The stored JSON array with `attempt` appended, without parsing it."""
    added = orjson.dumps(attempt).decode()
    return f"[{added}]" if attempts == "[]" else f"{attempts[:-1]},{added}]"


class Dispatcher:
    def __init__(
        self,
        db: Database,
        *,
        allow_private: bool = False,
        poll_seconds: float = 0.2,
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.sender = Sender(allow_private)
        # Claimed deliveries per subscription and per location; sends at once per
        # subscription (its connections).
        self.claimed: Counter[str] = Counter()
        self.claimed_locations: Counter[str] = Counter()
        self.gates: dict[str, asyncio.Semaphore] = {}
        self.slow_until: dict[str, float] = {}
        self.signer: EventSigner | None = None
        self.signed: OrderedDict[str, dict[str, str]] = OrderedDict()
        self.signing: dict[str, tuple[asyncio.Future[list[dict[str, str]]], int]] = {}
        self.signers: dict[str, Webhook] = {}
        self.in_flight: set[asyncio.Task[None]] = set()
        # Attempts made and not yet recorded, and claims let go unsent: written together.
        self._results: list[tuple[Claimed, dict[str, Any], int | None]] = []
        self._released: list[Claimed] = []
        self._first_result = 0.0
        self.sent = 0
        self._next_prune = 0.0
        self._stopping = asyncio.Event()
        self._finished = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Until `stop()`: claims what is due while there is room, sends in the background."""
        try:
            while not self._stopping.is_set():
                try:
                    await self._signer()
                    await self.prune()
                    if self._record_due():
                        await self.flush()
                    claimed = await self.claim_and_send()
                except Exception:
                    log.exception("webhook dispatch failed; retrying")
                    claimed = 0
                if not claimed:
                    await self._pause()
        finally:
            if self.in_flight:  # let sends in progress record their attempts
                await asyncio.wait(self.in_flight, timeout=TIMEOUT_SECONDS + 1)
            await self.flush()
            await self._close()

    async def _signer(self) -> EventSigner:
        if self.signer is None:
            self.signer = EventSigner(await signing_keys(self.db))
        return self.signer

    async def _close(self) -> None:
        await self.sender.close()
        if self.signer is not None:
            await self.signer.close()

    async def run_until_idle(self) -> int:
        """Sends until nothing is due nor in flight (tests); returns deliveries attempted."""
        before = self.sent
        await self._signer()
        try:
            while True:
                if self._record_due():
                    await self.flush()
                claimed = await self.claim_and_send()
                if not claimed and not self.in_flight and not self._results:
                    return self.sent - before
                if self.in_flight:
                    await asyncio.wait(self.in_flight, return_when=asyncio.FIRST_COMPLETED)
                    await asyncio.sleep(COALESCE_SECONDS)
        finally:
            await self._close()

    def _record_due(self) -> bool:
        if not self._results:
            return bool(self._released)
        return (len(self._results) >= RECORD_AT or not self.in_flight
                or time.monotonic() - self._first_result >= RECORD_AFTER_S)  # fmt: skip

    async def _pause(self) -> None:
        self._finished.clear()
        pause = asyncio.ensure_future(self._stopping.wait())
        done = asyncio.ensure_future(self._finished.wait())
        timeout = RECORD_AFTER_S if self._results else self.poll_seconds
        await asyncio.wait({pause, done}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (pause, done):
            waiter.cancel()
        if self._finished.is_set():
            await asyncio.sleep(COALESCE_SECONDS)

    def _cap(self, webhook_id: str) -> int:
        slow = self.slow_until.get(webhook_id, 0.0) > time.monotonic()
        return PER_SLOW_WEBHOOK if slow else PER_WEBHOOK

    def _room(self, webhook_id: str) -> int:
        return self._cap(webhook_id) - self.claimed[webhook_id]

    async def claim_and_send(self) -> int:
        room = MAX_CLAIMED - len(self.in_flight)
        if room < CLAIM_AT_LEAST and self.in_flight:
            return 0
        claimed = await self.claim(room)
        self._sign_ahead(claimed)
        for delivery in claimed:
            self.claimed[delivery.webhook_id] += 1
            self.claimed_locations[delivery.location_id] += 1
            task = asyncio.create_task(self.deliver(delivery))
            self.in_flight.add(task)
            task.add_done_callback(self._done)
        return len(claimed)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self._finished.set()

    async def claim(self, limit: int) -> list[Claimed]:
        now = now_ms()
        # Subscriptions and locations with too little room for a claim worth making.
        full = [webhook for webhook in self.claimed
                if self._room(webhook) < min(CLAIM_AT_LEAST, self._cap(webhook))]  # fmt: skip
        crowded = [loc for loc, count in self.claimed_locations.items()
                   if PER_LOCATION - count < CLAIM_AT_LEAST]  # fmt: skip
        busy = ""
        if full:
            busy += f" AND d.webhook_id NOT IN ({marks(len(full), 3)})"
        if crowded:
            busy += f" AND d.location_id NOT IN ({marks(len(crowded), len(full) + 3)})"
        due_sql, excluded = _DUE.format(busy=busy), [*full, *crowded]
        if await self.db.run(
            lambda conn: conn.fetch_one(due_sql, now, 1, *excluded), write=False
        ) is None:  # fmt: skip
            return []  # nothing due: idle polling takes no write lock
        lease = now + LEASE_MS
        start_by = time.monotonic() + LEASE_MS / 1000 - TIMEOUT_SECONDS - START_MARGIN_S

        async def claim(conn: Connection) -> tuple[list[Row], dict[str, Row]]:
            rooms = {webhook: self._room(webhook) for webhook in self.claimed}
            location_rooms = {loc: PER_LOCATION - n for loc, n in self.claimed_locations.items()}
            chosen = []
            for due in await conn.fetch_all(due_sql, now, limit, *excluded):
                webhook, location = due["webhook_id"], due["location_id"]
                if webhook not in rooms:
                    rooms[webhook] = self._room(webhook)
                if rooms[webhook] <= 0 or location_rooms.get(location, PER_LOCATION) <= 0:
                    continue
                rooms[webhook] -= 1
                location_rooms[location] = location_rooms.get(location, PER_LOCATION) - 1
                chosen.append(int(due["seq"]))
            if not chosen:
                return [], {}
            rows = await conn.fetch_all(_CLAIM.format(seqs=marks(len(chosen), 3)), lease, now,
                                        *chosen)  # fmt: skip
            ids = sorted({row["webhook_id"] for row in rows})
            hooks = await conn.fetch_all(
                f"SELECT id, url, secret FROM webhooks WHERE id IN ({marks(len(ids), 1)})", *ids
            ) if ids else []  # fmt: skip
            return rows, {hook["id"]: hook for hook in hooks}

        rows, hooks = await self.db.run(claim, write=True)
        return [
            Claimed(int(r["seq"]), r["location_id"], r["webhook_id"], r["event_id"],
                    r["body"].encode(), r["attempts"], int(r["created_at"]), r["ordering_key"],
                    hooks[r["webhook_id"]]["url"], hooks[r["webhook_id"]]["secret"], lease,
                    start_by)
            for r in sorted(rows, key=lambda row: int(row["seq"]))
            if r["webhook_id"] in hooks
        ]  # fmt: skip

    def _gate(self, webhook_id: str) -> asyncio.Semaphore:
        gate = self.gates.get(webhook_id)
        if gate is None:
            gate = self.gates[webhook_id] = asyncio.Semaphore(CONNECTIONS_PER_WEBHOOK)
        return gate

    def _sign_ahead(self, claimed: list[Claimed]) -> None:
        """Starts GHL's signatures of the claimed events not signed yet, by chunks."""
        assert self.signer is not None  # made before the first claim
        unsigned: dict[str, bytes] = {}
        for delivery in claimed:
            if delivery.event_id not in self.signed and delivery.event_id not in self.signing:
                unsigned[delivery.event_id] = delivery.body
        events = list(unsigned.items())
        for start in range(0, len(events), SIGN_CHUNK):
            chunk = events[start : start + SIGN_CHUNK]
            signing = asyncio.ensure_future(  # noqa: RUF006 (kept in self.signing)
                self.signer.sign([body for _, body in chunk])
            )
            for index, (event_id, _) in enumerate(chunk):
                self.signing[event_id] = (signing, index)

    async def _headers(self, delivery: Claimed) -> dict[str, str]:
        signed = self.signed.get(delivery.event_id)
        if signed is None:
            if delivery.event_id not in self.signing:  # its claim's were let go
                self._sign_ahead([delivery])
            signing, index = self.signing[delivery.event_id]
            try:
                signed = (await signing)[index]
            finally:
                self.signing.pop(delivery.event_id, None)
            self.signed[delivery.event_id] = signed
            if len(self.signed) > SIGNED_EVENTS:
                self.signed.popitem(last=False)
        signer = self.signers.get(delivery.secret)
        if signer is None:
            if len(self.signers) > MAX_CLAIMED:
                self.signers.clear()
            signer = self.signers[delivery.secret] = Webhook(delivery.secret)
        standard = standard_headers(signer, delivery.body, delivery.event_id, utc_now())
        return {**_STATIC_HEADERS, **signed, **standard}

    async def deliver(self, delivery: Claimed) -> None:
        try:
            async with self._gate(delivery.webhook_id):
                if self._stopping.is_set() or time.monotonic() > delivery.start_by:
                    self._released.append(delivery)
                    self.signing.pop(delivery.event_id, None)
                    return
                started, at = time.monotonic(), now_ms()
                try:
                    headers = await self._headers(delivery)
                    started, at = time.monotonic(), now_ms()  # signed: the send starts
                    outcome = await self.sender.post(
                        delivery.webhook_id, delivery.url, delivery.body, headers
                    )
                except Exception as exc:  # a fault of ours: recorded like any failed attempt
                    log.exception("webhook delivery %s failed", delivery.seq)
                    outcome = Outcome(None, f"{type(exc).__name__}: {exc}"[:300])
                took = time.monotonic() - started
            if outcome.error is not None or took >= SLOW_SEND_S:
                self.slow_until[delivery.webhook_id] = time.monotonic() + SLOW_FOR_S
            attempt = {"at": iso_ms(at), "statusCode": outcome.status,
                       "durationMs": int(took * 1000), "error": outcome.error}  # fmt: skip
            self.sent += 1
            metrics.webhook_attempt(outcome.status, outcome.error)
            if not self._results:
                self._first_result = time.monotonic()
            self._results.append((delivery, attempt, outcome.status))
        finally:
            self._let_go(delivery)

    def _let_go(self, delivery: Claimed) -> None:
        for counter, key in ((self.claimed, delivery.webhook_id),
                             (self.claimed_locations, delivery.location_id)):  # fmt: skip
            counter[key] -= 1
            if not counter[key]:
                del counter[key]
        if not self.claimed[delivery.webhook_id]:
            self.gates.pop(delivery.webhook_id, None)

    async def prune(self) -> int:
        """Deletes finished deliveries past the retention, oldest first, a batch at a time
        (at most once a minute): the outbox does not grow without end."""
        if time.monotonic() < self._next_prune:
            return 0
        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        cutoff = now_ms() - RETENTION_MS
        return await self.db.run(
            lambda conn: conn.execute(
                "DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries"
                " WHERE status NOT IN ('pending', 'queued') AND created_at < $1"
                " ORDER BY seq LIMIT $2)",
                cutoff,
                PRUNE_BATCH,
            ),
            write=True,
        )

    async def flush(self) -> None:
        """Records the attempts made since the last flush, and lets go of the claims left
        unsent, in one transaction. Should it fail, the deliveries are sent again once their
        lease runs out (at least once)."""
        results, self._results = self._results, []
        released, self._released = self._released, []
        if not results and not released:
            return

        async def record_all(conn: Connection) -> None:
            await self.record(conn, results)
            if released:
                await conn.execute_many(_RELEASE, [(d.seq, d.lease) for d in released])

        try:
            await self.db.run(record_all, write=True)
        except Exception:
            log.exception("could not record %s webhook attempts", len(results))

    async def record(
        self, conn: Connection, results: list[tuple[Claimed, dict[str, Any], int | None]]
    ) -> None:
        """Each attempt, only while its claim holds (the lease is its fencing token): one
        statement for them all; a 410's subscription stops."""
        now = now_ms()
        rows, retrying = [], []
        for delivery, attempt, status in results:
            attempts = with_attempt(delivery.attempts, attempt)
            if status is not None and 200 <= status < 300:
                state, next_at = "succeeded", None
            elif status == 410 or now - delivery.created_at >= GIVE_UP_AFTER_MS:
                state, next_at = "failed", None
            else:
                state, next_at = "pending", now + retry_delay_ms(len(orjson.loads(attempts)))
                retrying.append(delivery.seq)
            if status == 410:  # the receiver is gone for good: its subscription stops
                await self._gone(conn, delivery, attempts, now)
            else:
                rows.append((delivery.seq, state, attempts, next_at, delivery.lease))
        if rows:
            await conn.execute_many(_RECORD, rows)
        if retrying:  # their subscription may have stopped meanwhile
            await conn.execute(_STOPPED.format(seqs=marks(len(retrying), 1)), *retrying)
        await self._promote(conn, [delivery for delivery, _, _ in results], now)

    async def _promote(self, conn: Connection, finished: list[Claimed], now: int) -> None:
        """The next of each line whose head finished becomes its head (a no-op where the head
        is still pending). Where writers run at once (PostgreSQL), first the lines' contacts
        are locked as an event's writer locks them (`events.py`): a writer that queued an
        event behind the old head commits before this looks, or looks after this commits."""
        lines = sorted({(d.location_id, d.webhook_id, d.ordering_key) for d in finished})
        if conn.dialect.for_key_share:
            await conn.execute_many(
                "SELECT 1 AS one FROM contacts WHERE location_id = $1 AND id = $2"
                + conn.dialect.for_key_share,
                sorted({(location, key) for location, _, key in lines}),
            )
        await conn.execute_many(_PROMOTE, [(webhook, key, now) for _, webhook, key in lines])

    async def _gone(self, conn: Connection, delivery: Claimed, attempts: str, now: int) -> None:
        held = await conn.execute(_RECORD, delivery.seq, "failed", attempts, None, delivery.lease)
        if held:
            await conn.execute(
                "UPDATE webhooks SET disabled_at = $3 WHERE location_id = $1 AND id = $2",
                delivery.location_id, delivery.webhook_id, now,
            )  # fmt: skip
            await conn.execute(
                "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL"
                " WHERE webhook_id = $1 AND status IN ('pending', 'queued')",
                delivery.webhook_id,
            )  # fmt: skip
