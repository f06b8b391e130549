"""Webhook and delivery queries, bound to one location."""

from __future__ import annotations

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

ORDER = ("created_at", "id")
_DELIVERY = ("id, webhook_id, event_id, event_type, status, attempts, next_attempt_at,"
             " created_at, seq, locked_until, ordering_key")  # fmt: skip


class WebhookRepository(LocationRows):
    table = "webhooks"
    columns = ("location_id", "id", "url", "events", "description", "secret", "created_at",
               "disabled_at")  # fmt: skip
    updatable = frozenset({"url", "events", "description", "disabled_at"})


class DeliveryRepository:
    """One subscription's deliveries, newest first."""

    def __init__(self, rows: WebhookRepository, webhook_id: str) -> None:
        self.conn = rows.conn
        self.location_id = rows.location_id
        self.webhook_id = webhook_id

    async def get(self, delivery_id: str) -> Row | None:
        return await self.conn.fetch_one(
            f"SELECT {_DELIVERY} FROM webhook_deliveries"
            " WHERE location_id = $1 AND webhook_id = $2 AND id = $3",
            self.location_id,
            self.webhook_id,
            delivery_id,
        )

    async def count(self) -> int:
        return int(
            await self.conn.fetch_value(
                "SELECT count(*) FROM webhook_deliveries WHERE location_id = $1"
                " AND webhook_id = $2",
                self.location_id,
                self.webhook_id,
            )
        )

    async def page(self, limit: int, after: Row | None) -> list[Row]:
        """Up to `limit` + 1 rows (the extra one says whether more follow), newest first: by
        id, which starts with the time it was made (`webhooks/events.py`), so the page is
        read from the unique index, in order."""
        where = "location_id = $1 AND webhook_id = $2"
        args: list[object] = [self.location_id, self.webhook_id]
        if after is not None:
            where += " AND id < $3"
            args.append(after["id"])
        return await self.conn.fetch_all(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE {where}"
            f" ORDER BY id DESC LIMIT ${len(args) + 1}",
            *args,
            limit + 1,
        )

    async def retry_now(self, delivery: Row, now: int) -> None:
        """Due at once, whatever its state: the head of its line, or queued behind its
        contact's unfinished deliveries. A delivery being sent keeps its claim."""
        lock = self.conn.dialect.for_update
        if lock:  # as an event's writer does (`events.py`), for the dispatcher's promotion
            await self.conn.fetch_one(
                f"SELECT 1 AS one FROM contacts WHERE location_id = $1 AND id = $2{lock}",
                self.location_id,
                delivery["ordering_key"],
            )
        await self.conn.execute(
            "UPDATE webhook_deliveries SET next_attempt_at = $4, status = CASE"
            " WHEN status = 'pending' THEN 'pending' WHEN EXISTS (SELECT 1 FROM"
            " webhook_deliveries u WHERE u.webhook_id = $2 AND u.ordering_key = $5"
            " AND u.status IN ('pending', 'queued') AND u.seq <> $3) THEN 'queued'"
            " ELSE 'pending' END WHERE location_id = $1 AND webhook_id = $2 AND seq = $3",
            self.location_id,
            self.webhook_id,
            delivery["seq"],
            now,
            delivery["ordering_key"],
        )
