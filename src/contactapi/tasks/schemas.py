"""The task's wire shape: v1's bare object, plus `contactId`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.scope import Location

STATUSES = ("completed", "incompleted")
MAX_DESCRIPTION = 65_536


@dataclass(frozen=True)
class TaskInput:
    title: str
    due_date: int
    description: str | None
    assigned_to: str | None
    status: str | None


def parse_task(body: dict[str, Any], location: Location) -> v.Checked[TaskInput]:
    """A create or PUT body: `title` and `dueDate` required; `status` defaults to
    `incompleted` on create and stays as it was on PUT."""

    def read(errors: v.Errors) -> TaskInput:
        title = errors.read("title", v.text, body.get("title"), required=True)
        due_date = errors.read("dueDate", v.datetime_with_offset, body.get("dueDate"),
                               required=True)  # fmt: skip
        description = errors.read(
            "description", lambda key, raw: v.text(key, raw, MAX_DESCRIPTION),
            body.get("description"),
        )  # fmt: skip
        assigned_to = errors.read("assignedTo", v.text, body.get("assignedTo"))
        status = errors.read("status", parse_status, body.get("status"))
        return TaskInput(title, due_date, description, assigned_to, status)

    return v.checked(read)


def parse_status(field: str, value: Any) -> str | None:
    return v.choice(field, value, STATUSES)


def parse_status_body(body: dict[str, Any], location: Location) -> v.Checked[str]:
    def read(errors: v.Errors) -> str:
        status: str = errors.read("status", parse_status, body.get("status"), required=True)
        return status

    return v.checked(read)


def iso_seconds(epoch_ms: int) -> str:
    """`2020-10-25T11:00:00Z`: v1 answers a task's due date without milliseconds."""
    t = time.gmtime(epoch_ms // 1000)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:"
        f"{t.tm_sec:02d}Z"
    )


def task_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "assignedTo": row["assigned_to"],
        "dueDate": iso_seconds(row["due_date"]),
        "isCompleted": row["status"] == "completed",
        "contactId": row["contact_id"],
    }
