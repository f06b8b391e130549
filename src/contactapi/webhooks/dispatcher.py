"""Delivering the webhook outbox: claims due deliveries under a lease (a short write), sends
each as its own task with a 10 s timeout, and records the attempt (another short write). A
slow or dead receiver holds only its own tasks: the loop keeps claiming for the others.

Order: a delivery is due only while no earlier delivery of the same subscription and
`ordering_key` (a contact) is pending, so one contact's events reach a URL in commit order
(and a failing one holds back the later ones of that contact, for that URL only, until it
succeeds or is given up). At least once: a delivery is marked done only after its receiver
answered 2xx; one whose dispatcher died is taken again when its lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from contactapi import metrics
from contactapi.core import iso_ms, now_ms
from contactapi.db.engine import Connection, Database, Row
from contactapi.webhooks.signing import SigningKeys, signing_keys, utc_now
from contactapi.webhooks.targets import TargetRefused, resolve

log = logging.getLogger("contactapi.webhooks")

TIMEOUT_SECONDS = 10.0
# A delivery is retried for this long after its event, then given up.
GIVE_UP_AFTER_MS = 24 * 3600 * 1000
FIRST_RETRY_MS = 1_000
MAX_RETRY_MS = 3600 * 1000
# Longer than a send can take: a dispatcher that died lets its deliveries go after this.
LEASE_MS = 15_000
# The delivery log keeps finished deliveries this long; older ones are pruned in batches.
RETENTION_MS = 7 * 24 * 3600 * 1000
PRUNE_EVERY_SECONDS = 60.0
PRUNE_BATCH = 5_000
# Sends at once per dispatcher, and per subscription. httpx's connection pool costs grow with
# the connections it holds (measured here: 1,150 posts/s over 4 connections, 320/s over 48),
# so each target gets a small pool of its own; and a subscription whose receiver hangs holds
# at most PER_WEBHOOK of the sends, never the others' turns.
MAX_IN_FLIGHT = 64
PER_WEBHOOK = 8
# And per location: one tenant's many subscriptions leave turns for the others.
PER_LOCATION = 16
# Of a receiver's answer, only this much is read (its status is what counts).
MAX_ANSWER_BYTES = 64 * 1024
# Pools kept for targets not in use, at most.
MAX_IDLE_POOLS = 256
# Claims are made for this many at least (unless none is in flight): a claim is a write and a
# scan, worth making for a batch, not for each delivery that finished.
CLAIM_AT_LEAST = 16
# After a send finishes, how long to wait for others to finish too: their attempts are
# recorded, and their turns claimed again, in one transaction each rather than one per send.
COALESCE_SECONDS = 0.004

# Due deliveries of live subscriptions, but those of the subscriptions and locations given
# (`{busy}`: ones with no turn left).
# Ordered by the index alone, so the scan stops at the limit: which of one contact's events
# goes first is the NOT EXISTS's business, not the order's.
_DUE = """
SELECT d.seq, d.webhook_id, d.location_id FROM webhook_deliveries d
JOIN webhooks w ON w.location_id = d.location_id AND w.id = d.webhook_id
WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.disabled_at IS NULL
  AND (d.locked_until IS NULL OR d.locked_until < $1){busy}
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id
                  AND e.ordering_key = d.ordering_key AND e.status = 'pending' AND e.seq < d.seq)
ORDER BY d.next_attempt_at LIMIT $2
"""
_CLAIM = (
    "UPDATE webhook_deliveries SET locked_until = $2 WHERE seq = $1 AND status = 'pending'"
    " AND (locked_until IS NULL OR locked_until < $3)"
)
_CLAIMED = """
SELECT d.seq, d.location_id, d.webhook_id, d.event_id, d.body, d.attempts, d.created_at,
       w.url, w.secret
FROM webhook_deliveries d JOIN webhooks w ON w.location_id = d.location_id AND w.id = d.webhook_id
WHERE d.seq = $1
"""


@dataclass(frozen=True)
class Claimed:
    seq: int
    location_id: str
    webhook_id: str
    event_id: str
    body: bytes
    attempts: list[dict[str, Any]]
    created_at: int
    url: str
    secret: str
    lease: int


def retry_delay_ms(attempt: int) -> int:
    """Exponential, capped, with full jitter over its upper half."""
    ceiling = min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** max(0, attempt - 1))
    return int(ceiling * random.uniform(0.5, 1.0))


class Dispatcher:
    def __init__(
        self,
        db: Database,
        *,
        allow_private: bool = False,
        poll_seconds: float = 0.2,
    ) -> None:
        self.db = db
        self.allow_private = allow_private
        self.poll_seconds = poll_seconds
        # A pool per subscription and target (address and the name its certificate must
        # bear): no subscription waits for another's connections, nor uses one opened for
        # another name.
        self.clients: dict[tuple[str, str, str], httpx.AsyncClient] = {}
        self.pool_users: Counter[tuple[str, str, str]] = Counter()
        # Sends in flight per subscription and per location.
        self.busy: Counter[str] = Counter()
        self.busy_locations: Counter[str] = Counter()
        self.keys: SigningKeys | None = None
        self.in_flight: set[asyncio.Task[None]] = set()
        # Attempts made and not yet recorded: recorded together, in one transaction.
        self._results: list[tuple[Claimed, dict[str, Any], int | None]] = []
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
                    self.keys = self.keys or await signing_keys(self.db)
                    await self.prune()
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
            for client in self.clients.values():
                await client.aclose()

    async def run_until_idle(self) -> int:
        """Sends until nothing is due nor in flight (tests); returns deliveries attempted."""
        before = self.sent
        self.keys = self.keys or await signing_keys(self.db)
        while True:
            await self.flush()
            claimed = await self.claim_and_send()
            if not claimed and not self.in_flight and not self._results:
                return self.sent - before
            if self.in_flight:
                await asyncio.wait(self.in_flight, return_when=asyncio.FIRST_COMPLETED)
                await asyncio.sleep(COALESCE_SECONDS)

    async def _pause(self) -> None:
        self._finished.clear()
        pause = asyncio.ensure_future(self._stopping.wait())
        done = asyncio.ensure_future(self._finished.wait())
        await asyncio.wait({pause, done}, timeout=self.poll_seconds,
                           return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        for waiter in (pause, done):
            waiter.cancel()
        if self._finished.is_set():
            await asyncio.sleep(COALESCE_SECONDS)

    async def claim_and_send(self) -> int:
        room = MAX_IN_FLIGHT - len(self.in_flight)
        if room < CLAIM_AT_LEAST and self.in_flight:
            return 0
        claimed = await self.claim(room)
        for delivery in claimed:
            self.busy[delivery.webhook_id] += 1
            self.busy_locations[delivery.location_id] += 1
            task = asyncio.create_task(self.deliver(delivery))
            self.in_flight.add(task)
            task.add_done_callback(self._done)
        return len(claimed)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self._finished.set()

    def _client(self, key: tuple[str, str, str]) -> httpx.AsyncClient:
        client = self.clients.get(key)
        if client is None:
            if len(self.clients) >= MAX_IDLE_POOLS:
                self._drop_idle_pools()
            client = self.clients[key] = httpx.AsyncClient(
                timeout=TIMEOUT_SECONDS,
                follow_redirects=False,
                trust_env=False,
                limits=httpx.Limits(max_connections=PER_WEBHOOK,
                                    max_keepalive_connections=PER_WEBHOOK),
            )  # fmt: skip
        return client

    def _drop_idle_pools(self) -> None:
        for key in [key for key in self.clients if not self.pool_users[key]]:
            task = asyncio.create_task(self.clients.pop(key).aclose())
            self.in_flight.add(task)
            task.add_done_callback(self._done)

    async def claim(self, limit: int) -> list[Claimed]:
        now = now_ms()
        full = [webhook for webhook, count in self.busy.items() if count >= PER_WEBHOOK]
        crowded = [loc for loc, count in self.busy_locations.items() if count >= PER_LOCATION]
        busy = ""
        if full:
            marks = ", ".join(f"${i}" for i in range(3, len(full) + 3))
            busy += f" AND d.webhook_id NOT IN ({marks})"
        if crowded:
            marks = ", ".join(f"${i}" for i in range(len(full) + 3, len(full) + len(crowded) + 3))
            busy += f" AND d.location_id NOT IN ({marks})"
        due_sql, excluded = _DUE.format(busy=busy), [*full, *crowded]
        if await self.db.run(lambda conn: conn.fetch_one(due_sql, now, 1, *excluded),
                             write=False) is None:  # fmt: skip
            return []  # nothing due: idle polling takes no write lock
        lease = now + LEASE_MS

        async def claim(conn: Connection) -> list[Row]:
            rows = []
            turns = {webhook: PER_WEBHOOK - count for webhook, count in self.busy.items()}
            location_turns = {loc: PER_LOCATION - n for loc, n in self.busy_locations.items()}
            for due in await conn.fetch_all(due_sql, now, limit, *excluded):
                webhook, location = due["webhook_id"], due["location_id"]
                if turns.get(webhook, PER_WEBHOOK) <= 0:
                    continue
                if location_turns.get(location, PER_LOCATION) <= 0:
                    continue
                if await conn.execute(_CLAIM, due["seq"], lease, now):
                    turns[webhook] = turns.get(webhook, PER_WEBHOOK) - 1
                    location_turns[location] = location_turns.get(location, PER_LOCATION) - 1
                    found = await conn.fetch_one(_CLAIMED, due["seq"])
                    if found is not None:
                        rows.append(found)
            return rows

        rows = await self.db.run(claim, write=True)
        return [
            Claimed(int(r["seq"]), r["location_id"], r["webhook_id"], r["event_id"],
                    r["body"].encode(), orjson.loads(r["attempts"]), int(r["created_at"]),
                    r["url"], r["secret"], lease)
            for r in rows
        ]  # fmt: skip

    async def deliver(self, delivery: Claimed) -> None:
        started, at = time.monotonic(), now_ms()
        status: int | None = None
        error: str | None = None
        pool: tuple[str, str, str] | None = None
        try:
            assert self.keys is not None  # read before the first claim
            # One deadline for all of it (the name's lookup, the connection, the answer): a
            # receiver that trickles holds its turn no longer, and the lease outlasts it.
            async with asyncio.timeout(TIMEOUT_SECONDS):
                target = await resolve(delivery.url, self.allow_private)
                headers = self.keys.headers(
                    delivery.body, delivery.event_id, delivery.secret, utc_now()
                )
                headers |= {"content-type": "application/json", "host": target.host_header,
                            "user-agent": "contactapi-webhooks"}  # fmt: skip
                pool = (delivery.webhook_id, target.url.split("/", 3)[2], target.server_name)
                self.pool_users[pool] += 1
                async with self._client(pool).stream(
                    "POST", target.url, content=delivery.body, headers=headers,
                    extensions={"sni_hostname": target.server_name},
                ) as response:  # fmt: skip
                    status = response.status_code
                    read = 0  # a little of the answer, so the connection can serve again
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read > MAX_ANSWER_BYTES:
                            break
        except TargetRefused as exc:
            error = f"refused: {exc}"
        except (httpx.TimeoutException, TimeoutError):
            error = f"timed out after {TIMEOUT_SECONDS:g} s"
        except (httpx.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        except Exception as exc:  # a fault of ours: recorded like any failed attempt
            log.exception("webhook delivery %s failed", delivery.seq)
            error = f"{type(exc).__name__}: {exc}"[:300]
        took_ms = int((time.monotonic() - started) * 1000)
        attempt = {"at": iso_ms(at), "statusCode": status, "durationMs": took_ms, "error": error}
        self.sent += 1
        metrics.webhook_attempt(status, error)
        self._results.append((delivery, attempt, status))
        if pool is not None:
            self.pool_users[pool] -= 1
            if not self.pool_users[pool]:
                del self.pool_users[pool]
        for counter, key in ((self.busy, delivery.webhook_id),
                             (self.busy_locations, delivery.location_id)):  # fmt: skip
            counter[key] -= 1
            if not counter[key]:
                del counter[key]

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
                " WHERE status <> 'pending' AND created_at < $1 ORDER BY seq LIMIT $2)",
                cutoff,
                PRUNE_BATCH,
            ),
            write=True,
        )

    async def flush(self) -> None:
        """Records the attempts made since the last flush, in one transaction. Should it fail,
        the deliveries are sent again once their lease runs out (at least once)."""
        results, self._results = self._results, []
        if not results:
            return

        async def record_all(conn: Connection) -> None:
            for delivery, attempt, status in results:
                await self.record(conn, delivery, attempt, status)

        try:
            await self.db.run(record_all, write=True)
        except Exception:
            log.exception("could not record %s webhook attempts", len(results))

    async def record(
        self, conn: Connection, delivery: Claimed, attempt: dict[str, Any], status: int | None
    ) -> None:
        attempts = orjson.dumps([*delivery.attempts, attempt]).decode()
        now = now_ms()
        gone = status == 410  # the receiver is gone for good: the subscription stops
        if status is not None and 200 <= status < 300:
            state, next_at = "succeeded", None
        elif gone or now - delivery.created_at >= GIVE_UP_AFTER_MS:
            state, next_at = "failed", None
        else:
            state, next_at = "pending", now + retry_delay_ms(len(delivery.attempts) + 1)
        # Only while this claim holds (the lease is its fencing token).
        held = await conn.execute(
            "UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4,"
            " locked_until = NULL WHERE seq = $1 AND locked_until = $5",
            delivery.seq, state, attempts, next_at, delivery.lease,
        )  # fmt: skip
        if held and state == "pending":  # its subscription may have stopped meanwhile
            await conn.execute(
                "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL"
                " WHERE seq = $1 AND EXISTS (SELECT 1 FROM webhooks w WHERE w.location_id = $2"
                " AND w.id = $3 AND w.disabled_at IS NOT NULL)",
                delivery.seq, delivery.location_id, delivery.webhook_id,
            )  # fmt: skip
        if gone and held:
            await conn.execute(
                "UPDATE webhooks SET disabled_at = $3 WHERE location_id = $1 AND id = $2",
                delivery.location_id, delivery.webhook_id, now,
            )  # fmt: skip
            await conn.execute(
                "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL"
                " WHERE webhook_id = $1 AND status = 'pending'",
                delivery.webhook_id,
            )  # fmt: skip
