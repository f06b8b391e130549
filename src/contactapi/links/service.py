"""Trigger link rules and writes."""

from __future__ import annotations

from typing import Any

from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import unknown_id
from contactapi.limits import MAX_TRIGGER_LINKS, Page, page_of, require_room
from contactapi.links.repository import ORDER, LinkRepository
from contactapi.links.schemas import LinkInput, link_to_api
from contactapi.scope import LocationScope
from contactapi.validation import Checked


class LinkService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = LinkRepository(scope.conn, scope.location_id)

    async def require(self, link_id: str) -> Row:
        row = await self.repo.get(link_id)
        if row is None:
            raise unknown_id("linkId", "link")
        return row

    async def all(self, page: Page) -> list[dict[str, Any]]:
        return [link_to_api(row) for row in await page_of(self.repo, ORDER, page, "link")]

    async def get(self, link_id: str) -> dict[str, Any]:
        return link_to_api(await self.require(link_id))

    async def create(self, payload: Checked[LinkInput]) -> dict[str, Any]:
        data = payload.get()
        await require_room(self.repo, MAX_TRIGGER_LINKS, "link", "trigger links")
        link_id = new_id()
        await self.repo.insert({"id": link_id, "name": data.name, "redirect_to": data.redirect_to,
                                "created_at": now_ms()})  # fmt: skip
        return await self.get(link_id)

    async def update(self, link_id: str, payload: Checked[LinkInput]) -> dict[str, Any]:
        await self.require(link_id)  # an unknown id is answered before the body's failures
        data = payload.get()
        await self.repo.update(link_id, {"name": data.name, "redirect_to": data.redirect_to})
        return await self.get(link_id)

    async def delete(self, link_id: str) -> None:
        if not await self.repo.delete(link_id):
            raise unknown_id("linkId", "link")
