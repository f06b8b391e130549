"""Custom field rules and every custom field write, including the values contacts hold.

Decisions where the contract is silent:
- A name whose `fieldKey` is taken is refused (422 `duplicate` keyed `name`) rather than
  silently suffixed: integrations derive the key from the name.
- The `fieldKey` is fixed when the field is created; renaming keeps it, so an integration
  writing values by key keeps working.
- `dataType` cannot change while any contact holds a value for the field (422 `invalid`):
  the stored values were normalised for the old type.
- Options removed from an option field leave the values already stored as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import orjson

from contactapi.core import new_id, now_ms
from contactapi.custom_fields.repository import FIELD_ORDER, CustomFieldRepository
from contactapi.custom_fields.schemas import (
    OPTIONS_REQUIRED,
    FieldInput,
    field_key,
    field_to_api,
)
from contactapi.custom_fields.values import OPTION_TYPES, normalise
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import MAX_CUSTOM_FIELDS, Page, page_of, require_room
from contactapi.scope import LocationScope
from contactapi.validation import Checked, Errors, storable

# A contact's `customField` may name at most this many fields in one request.
MAX_VALUES_PER_REQUEST = 500

# field id -> the value to store, or None to clear it.
ValueChanges = dict[str, Any]


class CustomFieldService:
    def __init__(self, scope: LocationScope) -> None:
        self.scope = scope
        self.repo = CustomFieldRepository(scope.conn, scope.location_id)

    async def require(self, field_id: str, *, lock: bool = False) -> Row:
        row = await self.repo.get(field_id, for_update=lock)
        if row is None:
            raise unknown_id("customFieldId", "custom field")
        return row

    async def all(self, page: Page) -> list[dict[str, Any]]:
        rows = await page_of(self.repo, FIELD_ORDER, page, "custom field")
        return [field_to_api(row) for row in rows]

    async def get(self, field_id: str) -> dict[str, Any]:
        return field_to_api(await self.require(field_id))

    async def create(self, payload: Checked[FieldInput]) -> dict[str, Any]:
        data = payload.get()
        assert data.name is not None and data.data_type is not None
        key = field_key(data.name)
        await require_room(self.repo, MAX_CUSTOM_FIELDS, "customField", "custom fields")
        await self.repo.lock_key(key)
        if await self.repo.by_key(key) is not None:
            raise ValidationFailed.one(
                "name", f"A custom field with the key {key} already exists.", "duplicate"
            )
        field_id = new_id()
        position = data.position
        if position is None:
            position = await self.repo.next_position()
        options = (data.options or []) if data.data_type in OPTION_TYPES else []
        await self.repo.insert(
            {
                "id": field_id,
                "name": data.name,
                "field_key": key,
                "placeholder": data.placeholder,
                "position": position,
                "data_type": data.data_type,
                "options": orjson.dumps(options).decode(),
                "created_at": now_ms(),
            }
        )
        return await self.get(field_id)

    async def update(self, field_id: str, payload: Checked[FieldInput]) -> dict[str, Any]:
        """PUT: the sent keys change; the others stay. The field is locked first: a contact
        write holds it share-locked until its value is in, so the check that no value exists
        (before a dataType change) sees every value written under the old type."""
        current = await self.require(field_id, lock=True)
        data = payload.get()  # an unknown id is answered first
        values: dict[str, Any] = {}
        if data.name is not None:
            values["name"] = data.name
        if data.placeholder_sent:
            values["placeholder"] = data.placeholder
        if data.position is not None:
            values["position"] = data.position
        data_type = data.data_type or current["data_type"]
        if data_type != current["data_type"]:
            if await self.repo.has_values(field_id):
                raise ValidationFailed.one(
                    "dataType",
                    "The data type cannot change while contacts hold values for this field.",
                    "invalid",
                )
            values["data_type"] = data_type
        options: list[str] = orjson.loads(current["options"])
        if data_type in OPTION_TYPES:
            options = data.options if data.options is not None else options
            if not options:
                raise ValidationFailed(OPTIONS_REQUIRED)
        else:
            options = []
        values["options"] = orjson.dumps(options).decode()
        await self.repo.update(field_id, values)
        return await self.get(field_id)

    async def delete(self, field_id: str) -> None:
        if not await self.repo.delete(field_id):
            raise unknown_id("customFieldId", "custom field")

    async def resolve_values(self, sent: Mapping[str, Any]) -> ValueChanges:
        """A contact's `customField` object, keyed by field id or fieldKey, as the values to
        store per field id. Every value is validated before anything is written; keys naming
        no field of the location are ignored, as unknown top-level keys are."""
        if len(sent) > MAX_VALUES_PER_REQUEST:
            raise ValidationFailed.one(
                "customField",
                f"The custom field may not have more than {MAX_VALUES_PER_REQUEST} items.",
                "max",
            )
        # A key the database cannot compare (NUL) names no field: it is ignored like the rest.
        fields = await self.repo.find_for_values([ref for ref in sent if storable(ref)])
        by_ref: dict[str, Row] = {}
        for row in fields:
            by_ref[row["field_key"]] = row
        for row in fields:
            by_ref[row["id"]] = row  # an id wins over a key that happens to equal it
        changes: ValueChanges = {}
        errors = Errors()
        country = self.scope.location.country
        for ref, raw in sent.items():
            field = by_ref.get(ref)
            if field is None:
                continue
            validate = partial(
                _normalise, field["data_type"], orjson.loads(field["options"]), country
            )
            changes[field["id"]] = errors.read(f"customField.{field['id']}", validate, raw)
        errors.raise_any()
        return changes

    async def save_values(self, contact_id: str, changes: ValueChanges) -> None:
        if changes:
            await self.repo.save_values(contact_id, changes)


def _normalise(data_type: str, options: list[str], country: str, key: str, value: Any) -> Any:
    """`normalise` as a validator of `Errors.read`: the key names the field, not the value."""
    return normalise(data_type, options, value, country)
