"""Custom value rules and writes: `fieldKey` is unique in the location."""

from __future__ import annotations

from typing import Any

from contactapi.core import new_id, now_ms
from contactapi.custom_values.repository import ORDER, CustomValueRepository
from contactapi.custom_values.schemas import CustomValueInput, custom_value_to_api, field_key
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import MAX_CUSTOM_VALUES, Page, page_of, require_room
from contactapi.scope import LocationScope
from contactapi.validation import Checked


class CustomValueService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = CustomValueRepository(scope.conn, scope.location_id)

    async def require(self, value_id: str) -> Row:
        row = await self.repo.get(value_id)
        if row is None:
            raise unknown_id("customValueId", "custom value")
        return row

    async def all(self, page: Page) -> list[dict[str, Any]]:
        rows = await page_of(self.repo, ORDER, page, "custom value")
        return [custom_value_to_api(row) for row in rows]

    async def get(self, value_id: str) -> dict[str, Any]:
        return custom_value_to_api(await self.require(value_id))

    async def create(self, payload: Checked[CustomValueInput]) -> dict[str, Any]:
        data = payload.get()
        key = field_key(data.name)
        await require_room(self.repo, MAX_CUSTOM_VALUES, "customValue", "custom values")
        await self._require_free(key, None)
        value_id = new_id()
        await self.repo.insert({"id": value_id, "name": data.name, "field_key": key,
                                "value": data.value, "created_at": now_ms()})  # fmt: skip
        return await self.get(value_id)

    async def update(self, value_id: str, payload: Checked[CustomValueInput]) -> dict[str, Any]:
        await self.require(value_id)  # an unknown id is answered before the body's failures
        data = payload.get()
        key = field_key(data.name)
        await self._require_free(key, value_id)
        await self.repo.update(value_id, {"name": data.name, "field_key": key,
                                          "value": data.value})  # fmt: skip
        return await self.get(value_id)

    async def delete(self, value_id: str) -> None:
        if not await self.repo.delete(value_id):
            raise unknown_id("customValueId", "custom value")

    async def _require_free(self, key: str, own_id: str | None) -> None:
        await self.repo.lock_key(key)
        holder = await self.repo.by_key(key)
        if holder is not None and holder["id"] != own_id:
            raise ValidationFailed.one(
                "name", f"A custom value with the key {key} already exists.", "duplicate"
            )
