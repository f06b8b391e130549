"""Webhook subscriptions and their deliveries: the rules and every write (contract section 9).
At most 10,000 subscriptions per location."""

from __future__ import annotations

from typing import Any

import orjson

from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import Page, page_of, require_room
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.webhooks.repository import ORDER, DeliveryRepository, WebhookRepository
from contactapi.webhooks.schemas import WebhookInput, delivery_to_api, webhook_to_api
from contactapi.webhooks.signing import new_secret

MAX_WEBHOOKS = 10_000


class WebhookService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = WebhookRepository(scope.conn, scope.location_id)

    async def require(self, webhook_id: str) -> Row:
        row = await self.repo.get(webhook_id)
        if row is None:
            raise unknown_id("webhookId", "webhook")
        return row

    async def all(self, page: Page) -> list[dict[str, Any]]:
        return [webhook_to_api(row) for row in await page_of(self.repo, ORDER, page, "webhook")]

    async def get(self, webhook_id: str) -> dict[str, Any]:
        return webhook_to_api(await self.require(webhook_id))

    async def create(self, payload: Checked[WebhookInput]) -> dict[str, Any]:
        data = payload.get()
        await require_room(self.repo, MAX_WEBHOOKS, "url", "webhooks")
        webhook_id = new_id()
        await self.repo.insert({"id": webhook_id, "url": data.url,
                                "events": orjson.dumps(data.events).decode(),
                                "description": data.description, "secret": new_secret(),
                                "created_at": now_ms(), "disabled_at": None})  # fmt: skip
        return webhook_to_api(await self.require(webhook_id), with_secret=True)

    async def update(self, webhook_id: str, payload: Checked[WebhookInput]) -> dict[str, Any]:
        await self.require(webhook_id)
        data = payload.get()
        values: dict[str, Any] = {}
        if "url" in data.sent:
            values["url"] = data.url
            values["disabled_at"] = None  # a new URL: a receiver that was gone may be back
        if "events" in data.sent:
            values["events"] = orjson.dumps(data.events).decode()
        if "description" in data.sent:
            values["description"] = data.description
        await self.repo.update(webhook_id, values)
        return await self.get(webhook_id)

    async def delete(self, webhook_id: str) -> None:
        await self.require(webhook_id)
        await self.repo.delete(webhook_id)  # its deliveries go with it

    async def deliveries(
        self, webhook_id: str, limit: int, start_after_id: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Newest first, `limit` at a time after the delivery `start_after_id`."""
        await self.require(webhook_id)
        rows = DeliveryRepository(self.repo, webhook_id)
        after = None
        if start_after_id is not None:
            after = await rows.get(start_after_id)
            if after is None:
                raise unknown_id("startAfterId", "delivery")
        found = await rows.page(limit, after)
        page, more = found[:limit], len(found) > limit
        last = page[-1] if page else None
        meta = {
            "total": await rows.count(),
            "startAfterId": last["id"] if last else None,
            "startAfter": int(last["created_at"]) if last else None,
            "nextPage": bool(more),
        }
        return [delivery_to_api(row) for row in page], meta

    async def retry(self, webhook_id: str, delivery_id: str) -> dict[str, Any]:
        """Due again now. Not while it is being sent (that attempt's outcome stands), nor for a
        subscription a 410 stopped (a PUT with its url starts it again). An old event sent
        again arrives after the contact's later ones."""
        webhook = await self.require(webhook_id)
        if webhook["disabled_at"] is not None:
            raise ValidationFailed.one("webhookId", "The webhook was stopped by a 410 Gone:"
                                       " send its url again to restart it.", "invalid")  # fmt: skip
        rows = DeliveryRepository(self.repo, webhook_id)
        delivery = await rows.get(delivery_id)
        if delivery is None:
            raise unknown_id("deliveryId", "delivery")
        if (delivery["locked_until"] or 0) > now_ms():
            raise ValidationFailed.one("deliveryId", "The delivery is being sent now.", "invalid")
        await rows.retry_now(delivery, now_ms())
        found = await rows.get(delivery_id)
        assert found is not None
        return delivery_to_api(found)
