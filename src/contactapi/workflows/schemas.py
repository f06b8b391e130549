"""The workflow and enrollment wire shapes, and what requests may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.scope import Location

WORKFLOW_STATUSES = ("draft", "published")
ENROLLMENT_STATUSES = ("queued", "active", "finished", "removed")


@dataclass(frozen=True)
class WorkflowInput:
    name: str
    status: str


def parse_workflow(body: dict[str, Any], location: Location) -> v.Checked[WorkflowInput]:
    """A create body, read before the transaction; the service reports its failures."""
    return v.checked(
        lambda errors: WorkflowInput(*v.name_and_status(body, WORKFLOW_STATUSES, errors))
    )


def parse_enrollment(body: dict[str, Any], location: Location) -> v.Checked[int | None]:
    """An enrollment's optional `eventStartTime` (epoch ms), read before the transaction; its
    failure is reported with the unknown path ids, in one 422."""
    return v.checked(
        lambda errors: errors.read(
            "eventStartTime", v.datetime_with_offset, body.get("eventStartTime")
        )
    )


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
