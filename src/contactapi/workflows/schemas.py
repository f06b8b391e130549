"""The workflow and enrollment wire shapes, and what requests may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms

WORKFLOW_STATUSES = ("draft", "published")
ENROLLMENT_STATUSES = ("queued", "active", "finished", "removed")


@dataclass(frozen=True)
class WorkflowInput:
    name: str
    status: str


def parse_workflow(body: Mapping[str, Any]) -> WorkflowInput:
    fields = v.FieldReader(body)
    name = fields.read("name", v.text, required=True)
    status = fields.read("status", lambda key, value: v.choice(key, value, WORKFLOW_STATUSES))
    fields.raise_errors()
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
