"""The workflow and enrollment wire shapes, and what requests may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.errors import FieldErrors, ValidationFailed

WORKFLOW_STATUSES = ("draft", "published")
ENROLLMENT_STATUSES = ("queued", "active", "finished", "removed")


@dataclass(frozen=True)
class WorkflowInput:
    name: str
    status: str


def parse_workflow(body: Mapping[str, Any]) -> WorkflowInput:
    errors: FieldErrors = {}
    name: str | None = None
    status: str | None = None
    try:
        name = v.text("name", body.get("name"))
        if name is None:
            errors["name"] = {"message": "The name field is mandatory.", "rule": "required"}
    except v.FieldInvalid as exc:
        errors["name"] = {"message": exc.message, "rule": exc.rule}
    try:
        status = v.choice("status", body.get("status"), WORKFLOW_STATUSES)
    except v.FieldInvalid as exc:
        errors["status"] = {"message": exc.message, "rule": exc.rule}
    if errors:
        raise ValidationFailed(errors)
    assert name is not None
    return WorkflowInput(name=name, status=status or "draft")


def workflow_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "version": row["version"],
        "createdAt": iso_ms(row["created_at"]),
        "updatedAt": iso_ms(row["updated_at"]),
        "locationId": row["location_id"],
    }


def enrollment_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "workflowId": row["workflow_id"],
        "name": row["name"],
        "status": row["status"],
        "eventStartTime": iso_ms(row["event_start_time"]),
        "dateAdded": iso_ms(row["date_added"]),
        "dateProcessed": iso_ms(row["date_processed"]),
    }
