"""The pipeline's wire shape (v1's `{"id", "name", "stages": [{"id", "name"}]}`) and what a
create or PUT may send: `name`, and `stages`, a list of `{"name", "id"?}` in board order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.limits import MAX_STAGES_PER_PIPELINE
from contactapi.scope import Location


@dataclass(frozen=True)
class StageInput:
    # A PUT keeps the stage with this id (and the opportunities in it); None makes a new one.
    id: str | None
    name: str


@dataclass(frozen=True)
class PipelineInput:
    name: str
    stages: list[StageInput]


def parse_pipeline(body: dict[str, Any], location: Location) -> v.Checked[PipelineInput]:
    """A create or PUT body; each failing stage is keyed `stages.N.name` / `stages.N.id`."""

    def read(errors: v.Errors) -> PipelineInput:
        name = errors.read("name", v.text, body.get("name"), required=True)
        return PipelineInput(name, _stages(body.get("stages"), errors))

    return v.checked(read)


def _stages(raw: Any, errors: v.Errors) -> list[StageInput]:
    if raw is None or raw == []:
        errors.add("stages", "The stages field is mandatory.", "required")
        return []
    if not isinstance(raw, list):
        errors.add("stages", "The stages must be a list of {name, id?} objects.")
        return []
    if len(raw) > MAX_STAGES_PER_PIPELINE:
        errors.add("stages", f"A pipeline may not have more than {MAX_STAGES_PER_PIPELINE}"
                   " stages.", "max")  # fmt: skip
        return []
    stages: list[StageInput] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        key = f"stages.{index}"
        if not isinstance(item, dict):
            errors.add(key, "The stage must be an object with a name.")
            continue
        name = errors.read(f"{key}.name", lambda k, value: v.text("name", value),
                           item.get("name"), required=True)  # fmt: skip
        stage_id = errors.read(f"{key}.id", lambda k, value: v.text("id", value, 64),
                               item.get("id"))  # fmt: skip
        if stage_id is not None and stage_id in seen:
            errors.add(f"{key}.id", "The stage id appears twice.", "duplicate")
        if stage_id is not None:
            seen.add(stage_id)
        stages.append(StageInput(stage_id, name))
    return stages


def pipeline_to_api(row: Mapping[str, Any], stages: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "stages": [{"id": stage["id"], "name": stage["name"]} for stage in stages],
    }
