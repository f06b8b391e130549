"""OpenAPI description of the task routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

_STATUS: Schema = {"type": "string", "enum": ["completed", "incompleted"]}
TASK: Schema = {
    "type": "object",
    "required": ["id", "title", "description", "assignedTo", "dueDate", "isCompleted", "contactId"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "assignedTo": {"type": ["string", "null"], "description": "A user of the location"},
        "dueDate": {
            "type": "string",
            "format": "date-time",
            "description": "Without milliseconds, as v1: 2020-10-25T11:00:00Z",
        },
        "isCompleted": {"type": "boolean"},
        "contactId": {"type": "string"},
    },
}
TASK_IN: Schema = {
    "type": "object",
    "required": ["title", "dueDate"],
    "properties": {
        "title": {"type": "string"},
        "dueDate": {"type": "string", "format": "date-time"},
        "description": {"type": "string"},
        "assignedTo": {"type": "string"},
        "status": _STATUS,
    },
}
TASK_STATUS_IN: Schema = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": _STATUS},
}
_EXAMPLE = {
    "id": "Lj371SHlVMyfVlMcKiuk",
    "title": "Call back about the offer",
    "description": "Ask about the closing date",
    "assignedTo": None,
    "dueDate": "2020-10-25T11:00:00Z",
    "isCompleted": False,
    "contactId": "sx6wyHhbFdRXh302LLNR",
}
_BODY_EXAMPLE = {
    "title": "Call back about the offer",
    "dueDate": "2020-10-25T11:00:00Z",
    "description": "Ask about the closing date",
    "status": "incompleted",
}
_CONTACT = [path_param("contactId", "Contact id")]
_TASK = [*_CONTACT, path_param("taskId", "Task id")]

schemas: dict[str, Schema] = {"Task": TASK, "TaskIn": TASK_IN, "TaskStatusIn": TASK_STATUS_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/contacts/{contactId}/tasks/": {
        "get": operation(
            "A contact's tasks, soonest due first",
            "Tasks",
            ok(
                {"type": "object", "properties": {"tasks": {"type": "array", "items": ref("Task")}}}
            ),
            params=[*_CONTACT, *PAGE_PARAMS],
            example={"tasks": [_EXAMPLE]},
        ),
        "post": operation(
            "Add a task to a contact",
            "Tasks",
            ok(ref("Task")),
            params=_CONTACT,
            body=ref("TaskIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
    },
    "/v1/contacts/{contactId}/tasks/{taskId}": {
        "get": operation("Get a task", "Tasks", ok(ref("Task")), params=_TASK, example=_EXAMPLE),
        "put": operation(
            "Replace a task",
            "Tasks",
            ok(ref("Task")),
            params=_TASK,
            body=ref("TaskIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
        "delete": operation("Delete a task", "Tasks", ok(None), params=_TASK),
    },
    "/v1/contacts/{contactId}/tasks/{taskId}/status": {
        "put": operation(
            "Mark a task completed or not",
            "Tasks",
            ok(ref("Task")),
            params=_TASK,
            body=ref("TaskStatusIn"),
            example={**_EXAMPLE, "isCompleted": True},
            body_example={"status": "completed"},
        ),
    },
}
