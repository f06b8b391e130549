"""OpenAPI description of the workflow routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import (
    NULLABLE_STRING,
    PAGE_PARAMS,
    Schema,
    ok,
    operation,
    path_param,
    ref,
)
from contactapi.workflows.schemas import ENROLLMENT_STATUSES, WORKFLOW_STATUSES

_STATUS: Schema = {"type": "string", "enum": list(WORKFLOW_STATUSES)}

WORKFLOW: Schema = {
    "type": "object",
    "required": ["id", "name", "status", "version", "createdAt", "updatedAt", "locationId"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "status": _STATUS,
        "version": {"type": "integer"},
        "createdAt": {"type": "string"},
        "updatedAt": {"type": "string"},
        "locationId": {"type": "string"},
    },
}
WORKFLOW_IN: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "status": {**_STATUS, "description": "Default draft."},
    },
}
ENROLLMENT: Schema = {
    "type": "object",
    "required": ["workflowId", "name", "status", "eventStartTime", "dateAdded", "dateProcessed"],
    "properties": {
        "workflowId": {"type": "string"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": list(ENROLLMENT_STATUSES)},
        "eventStartTime": NULLABLE_STRING,
        "dateAdded": {"type": "string"},
        "dateProcessed": NULLABLE_STRING,
    },
}
ENROLL_IN: Schema = {
    "type": "object",
    "properties": {
        "eventStartTime": {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with an offset or Z, e.g. 2021-06-23T03:30:00+01:00.",
        }
    },
}
_WORKFLOWS: Schema = {
    "type": "object",
    "required": ["workflows"],
    "description": "`workflow` carries the same list, as v1's documented example names it.",
    "properties": {
        "workflows": {"type": "array", "items": ref("Workflow")},
        "workflow": {"type": "array", "items": ref("Workflow")},
    },
}
_ONE: Schema = {"type": "object", "required": ["workflow"],
                "properties": {"workflow": ref("Workflow")}}  # fmt: skip
_ENROLLMENTS: Schema = {"type": "object", "required": ["workflows"],
                        "properties": {"workflows": {"type": "array",
                                                     "items": ref("Enrollment")}}}  # fmt: skip
_CONTACT_ID = path_param("contactId", "Contact id")
_WORKFLOW_ID = path_param("workflowId", "Workflow id (a UUID)")

_WORKFLOW_EXAMPLE = {
    "id": "78559bb3-b920-461e-b010-7b2a2816d2a9",
    "name": "First Workflow",
    "status": "draft",
    "version": 1,
    "createdAt": "2020-10-29T09:31:30.255Z",
    "updatedAt": "2020-10-29T09:31:30.255Z",
    "locationId": "ve9EPM428h8vShlRW1KT",
}
_WORKFLOWS_EXAMPLE = [
    _WORKFLOW_EXAMPLE,
    {
        **_WORKFLOW_EXAMPLE,
        "id": "3f0c2a9e-5b1d-4e8a-9c7f-1d2e3f4a5b6c",
        "name": "Appointment Reminder",
        "status": "published",
        "createdAt": "2020-11-02T14:05:12.118Z",
        "updatedAt": "2020-11-02T14:05:12.118Z",
    },
]
_ENROLLMENTS_EXAMPLE = {
    "workflows": [
        {
            "workflowId": "78559bb3-b920-461e-b010-7b2a2816d2a9",
            "name": "First Workflow",
            "status": "finished",
            "eventStartTime": "2021-06-23T02:30:00.000Z",
            "dateAdded": "2021-06-20T11:12:45.391Z",
            "dateProcessed": "2021-06-20T11:12:46.002Z",
        },
        {
            "workflowId": "3f0c2a9e-5b1d-4e8a-9c7f-1d2e3f4a5b6c",
            "name": "Appointment Reminder",
            "status": "queued",
            "eventStartTime": None,
            "dateAdded": "2021-06-21T08:00:03.774Z",
            "dateProcessed": None,
        },
    ]
}

schemas: dict[str, Schema] = {
    "Workflow": WORKFLOW,
    "WorkflowIn": WORKFLOW_IN,
    "Enrollment": ENROLLMENT,
    "EnrollIn": ENROLL_IN,
}

paths: dict[str, dict[str, Any]] = {
    "/v1/workflows/": {
        "get": operation(
            "List the location's workflows",
            "Workflows",
            ok(_WORKFLOWS),
            params=PAGE_PARAMS,
            example={"workflows": _WORKFLOWS_EXAMPLE, "workflow": _WORKFLOWS_EXAMPLE},
        ),
        "post": operation(
            "Create a workflow",
            "Workflows",
            ok(_ONE),
            body=ref("WorkflowIn"),
            example={"workflow": _WORKFLOW_EXAMPLE},
            body_example={"name": "First Workflow", "status": "draft"},
        ),
    },
    "/v1/contacts/{contactId}/workflow/{workflowId}": {
        "post": operation(
            "Queue a contact for a workflow (answers at once; processed by the queue)",
            "Workflows",
            ok(None),
            params=[_CONTACT_ID, _WORKFLOW_ID],
            body=ref("EnrollIn"),
            body_example={"eventStartTime": "2021-06-23T03:30:00+01:00"},
        ),
        "delete": operation(
            "Remove a contact from a workflow",
            "Workflows",
            ok(None),
            params=[_CONTACT_ID, _WORKFLOW_ID],
        ),
    },
    "/v1/contacts/{contactId}/workflows/": {
        "get": operation(
            "A contact's workflow enrollments",
            "Workflows",
            ok(_ENROLLMENTS),
            params=[_CONTACT_ID],
            example=_ENROLLMENTS_EXAMPLE,
        ),
    },
}
