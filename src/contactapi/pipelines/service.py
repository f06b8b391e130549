"""Pipeline rules and every pipeline write: at most 10,000 pipelines per location; a PUT
replaces the stage list (a stage sent with its id keeps it, and its opportunities), and may
not leave out a stage that holds opportunities; a pipeline holding opportunities is not
deleted (422): its opportunities are deleted or moved first, never silently with it."""

from __future__ import annotations

import uuid
from typing import Any

from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import MAX_PIPELINES, Page, page_of, require_room
from contactapi.pipelines.repository import ORDER, PipelineRepository
from contactapi.pipelines.schemas import PipelineInput, StageInput, pipeline_to_api
from contactapi.scope import LocationScope
from contactapi.validation import Checked, Errors


class PipelineService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = PipelineRepository(scope.conn, scope.location_id)

    async def all(self, page: Page) -> list[dict[str, Any]]:
        rows = await page_of(self.repo, ORDER, page, "pipeline")
        stages = await self.repo.stages([row["id"] for row in rows])
        return [pipeline_to_api(row, stages[row["id"]]) for row in rows]

    async def get(self, pipeline_id: str) -> dict[str, Any]:
        row = await self.repo.get(pipeline_id)
        if row is None:
            raise unknown_id("pipelineId", "pipeline")
        return await self._shape(row)

    async def _shape(self, row: Row) -> dict[str, Any]:
        stages = await self.repo.stages([row["id"]])
        return pipeline_to_api(row, stages[row["id"]])

    async def create(self, payload: Checked[PipelineInput]) -> dict[str, Any]:
        data = payload.get()
        await require_room(self.repo, MAX_PIPELINES, "name", "pipelines")
        pipeline_id = new_id()
        await self.repo.insert({"id": pipeline_id, "name": data.name, "created_at": now_ms()})
        for position, stage in enumerate(data.stages):
            await self.repo.add_stage(pipeline_id, str(uuid.uuid4()), stage.name, position)
        return await self.get(pipeline_id)

    async def update(self, pipeline_id: str, payload: Checked[PipelineInput]) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        current = await self.repo.hold(pipeline_id, exclusive=True)
        if current is None:
            raise unknown_id("pipelineId", "pipeline")
        data = payload.value
        existing = {row["id"] for row in (await self.repo.stages([pipeline_id]))[pipeline_id]}
        for index, stage in enumerate(data.stages):
            if stage.id is not None and stage.id not in existing:
                errors.add(f"stages.{index}.id", "The stage id is invalid.")
        kept = {stage.id for stage in data.stages if stage.id is not None}
        if not errors:
            left_out = (await self.repo.holding(pipeline_id)) - kept
            if left_out:
                errors.add("stages", "These stages hold opportunities and must be kept: "
                           f"{', '.join(sorted(left_out))}.")  # fmt: skip
        errors.raise_any()
        await self.repo.update(pipeline_id, {"name": data.name})
        await self.repo.remove_stages(pipeline_id, sorted(existing - kept))
        await self._write_stages(pipeline_id, data.stages)
        return await self.get(pipeline_id)

    async def _write_stages(self, pipeline_id: str, stages: list[StageInput]) -> None:
        for position, stage in enumerate(stages):
            if stage.id is None:
                await self.repo.add_stage(pipeline_id, str(uuid.uuid4()), stage.name, position)
            else:
                await self.repo.change_stage(stage.id, stage.name, position)

    async def delete(self, pipeline_id: str) -> None:
        if await self.repo.hold(pipeline_id, exclusive=True) is None:
            raise unknown_id("pipelineId", "pipeline")
        if await self.repo.holding(pipeline_id):
            raise ValidationFailed.one(
                "pipelineId",
                "The pipeline holds opportunities: delete them or move them first.",
                "invalid",
            )
        await self.repo.delete(pipeline_id)
