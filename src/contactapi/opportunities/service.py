"""Opportunity rules and every opportunity write: an opportunity belongs to one pipeline of
the location (its path), sits in one of that pipeline's stages, and is one contact's: named by
`contactId`, else found or created by the contacts service exactly as `POST /v1/contacts/`
does. `assignedTo` names a user of the location. `lastStatusChangeAt` moves only when the
status changes. Never commits: the request does."""

from __future__ import annotations

from typing import Any

from contactapi.contacts.repository import ContactRepository
from contactapi.contacts.service import ContactService
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.db.search.query import ListResult
from contactapi.errors import unknown_id
from contactapi.opportunities.repository import OpportunityRepository
from contactapi.opportunities.schemas import OpportunityInput, StatusInput, opportunity_to_api
from contactapi.opportunities.search import OpportunityQuery, list_opportunities
from contactapi.pipelines.repository import PipelineRepository
from contactapi.scope import LocationScope
from contactapi.users.repository import is_user_of
from contactapi.validation import Checked, Errors, require_found
from contactapi.webhooks.payloads import opportunity_changes, opportunity_event


class OpportunityService:
    def __init__(self, scope: LocationScope) -> None:
        self.scope = scope
        self.repo = OpportunityRepository(scope.conn, scope.location_id)
        self.pipelines = PipelineRepository(scope.conn, scope.location_id)

    async def _require(
        self, pipeline_id: str, opportunity_id: str | None, errors: Errors, *, hold: bool
    ) -> Row | None:
        """The opportunity (when `opportunity_id`), once both path ids name records of the
        location and the opportunity is the pipeline's; every failure so far (`errors`) is
        raised with them in one 422. `hold`: a writer's shared lock on the pipeline, so its
        stages stay as read until the transaction ends; the opportunity is row-locked."""
        if hold:
            pipeline = await self.pipelines.hold(pipeline_id, exclusive=False)
        else:
            pipeline = await self.pipelines.get(pipeline_id)
        found = None
        if opportunity_id is not None and pipeline is not None:
            found = await self.repo.get(opportunity_id, for_update=hold)
            if found is not None and found["pipeline_id"] != pipeline_id:
                found = None
        require_found(errors, (pipeline is not None, "pipelineId", "pipeline"),
                      (opportunity_id is None or found is not None, "opportunityId",
                       "opportunity"))  # fmt: skip
        return found

    async def _check_stage(self, pipeline_id: str, stage_id: str | None, errors: Errors) -> None:
        if stage_id is None or "stageId" in errors.fields:
            return
        stage = await self.pipelines.stage(stage_id)
        if stage is None or stage["pipeline_id"] != pipeline_id:
            errors.add("stageId", "The stage id is invalid.", "invalid")

    async def _check_references(
        self, pipeline_id: str, data: OpportunityInput, errors: Errors
    ) -> None:
        await self._check_stage(pipeline_id, data.stage_id, errors)
        if data.contact_id is not None and not await ContactRepository(
            self.scope.conn, self.scope.location_id
        ).exists(data.contact_id, hold=True):
            errors.add("contactId", "The contact id is invalid.", "invalid")
        assigned_to = data.optional.get("assigned_to")
        if assigned_to is not None and not await is_user_of(
            self.scope.conn, self.scope.location_id, assigned_to
        ):
            errors.add("assignedTo", "The user id is invalid.", "invalid")
        errors.raise_any()

    async def _contact_id(self, data: OpportunityInput) -> str:
        if data.contact_id is not None:
            return data.contact_id
        assert data.contact is not None
        contact, _ = await ContactService(self.scope).upsert(data.contact)
        contact_id: str = contact["id"]
        return contact_id

    async def get(self, pipeline_id: str, opportunity_id: str) -> dict[str, Any]:
        await self._require(pipeline_id, opportunity_id, Errors(), hold=False)
        return await self._answer(opportunity_id)

    async def _answer(self, opportunity_id: str) -> dict[str, Any]:
        row = await self.repo.with_contact(opportunity_id)
        assert row is not None
        return opportunity_to_api(row)

    async def create(self, pipeline_id: str, payload: Checked[OpportunityInput]) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        await self._require(pipeline_id, None, errors, hold=True)
        data = payload.value
        await self._check_references(pipeline_id, data, errors)
        at, opportunity_id = now_ms(), new_id()
        await self.repo.insert({
            "id": opportunity_id, "pipeline_id": pipeline_id, "stage_id": data.stage_id,
            "contact_id": await self._contact_id(data), "name": data.title,
            "search_text": data.title.lower(), "monetary_value": 0.0, "assigned_to": None,
            "status": data.status, "source": None, "last_status_change_at": at,
            "created_at": at, "updated_at": at, **data.optional,
        })  # fmt: skip
        created = await self._answer(opportunity_id)
        await opportunity_changes(self.scope, None, created)
        return created

    async def update(
        self, pipeline_id: str, opportunity_id: str, payload: Checked[OpportunityInput]
    ) -> dict[str, Any]:
        """PUT: title, status, stage and contact as sent; the optional fields that were sent."""
        current = await self._require(pipeline_id, opportunity_id, Errors(), hold=True)
        assert current is not None
        errors = Errors()
        errors.update(payload.errors)
        errors.raise_any()
        data = payload.value
        await self._check_references(pipeline_id, data, errors)
        values = {"name": data.title, "search_text": data.title.lower(),
                  "stage_id": data.stage_id, "contact_id": await self._contact_id(data),
                  **data.optional}  # fmt: skip
        return await self._write(current, data.status, values)

    async def _write(self, current: Row, status: str, values: dict[str, Any]) -> dict[str, Any]:
        before = await self._answer(current["id"])
        at = max(now_ms(), current["updated_at"])
        values = {**values, "status": status, "updated_at": at}
        if status != current["status"]:
            values["last_status_change_at"] = at
        await self.repo.update(current["id"], values)
        after = await self._answer(current["id"])
        await opportunity_changes(self.scope, before, after)
        return after

    async def set_status(
        self, pipeline_id: str, opportunity_id: str, payload: Checked[StatusInput]
    ) -> None:
        current = await self._require(pipeline_id, opportunity_id, Errors(), hold=True)
        assert current is not None
        errors = Errors()
        errors.update(payload.errors)
        data = payload.value
        await self._check_stage(pipeline_id, data.stage_id, errors)
        errors.raise_any()
        values = {"stage_id": data.stage_id} if data.stage_id is not None else {}
        await self._write(current, data.status, values)

    async def delete(self, pipeline_id: str, opportunity_id: str) -> None:
        await self._require(pipeline_id, opportunity_id, Errors(), hold=True)
        gone = await self._answer(opportunity_id)
        await self.repo.delete(opportunity_id)
        await opportunity_event(self.scope, "OpportunityDelete", gone)

    async def list(
        self, pipeline_id: str, query: OpportunityQuery
    ) -> tuple[list[dict[str, Any]], ListResult]:
        if await self.pipelines.get(pipeline_id) is None:
            raise unknown_id("pipelineId", "pipeline")
        result = await list_opportunities(
            self.scope.conn, self.scope.location_id, pipeline_id, query
        )
        return [opportunity_to_api(row) for row in result.rows], result
