"""Task rules and writes: a task belongs to a contact of the location; `assignedTo` names a
user of the location; `status` is `completed` or `incompleted`."""

from __future__ import annotations

from typing import Any

from contactapi.contacts.children import ContactChildService
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.limits import MAX_TASKS_PER_CONTACT, Page
from contactapi.scope import LocationScope
from contactapi.tasks.repository import TaskRepository
from contactapi.tasks.schemas import TaskInput, task_to_api
from contactapi.validation import Checked, Errors
from contactapi.webhooks.payloads import task_event


class TaskService(ContactChildService):
    param = "taskId"
    kind = "task"

    def __init__(self, scope: LocationScope) -> None:
        super().__init__(scope, TaskRepository(scope.conn, scope.location_id))

    async def list(self, contact_id: str, page: Page) -> list[dict[str, Any]]:
        return [task_to_api(row) for row in await self.page(contact_id, page)]

    async def get(self, contact_id: str, task_id: str) -> dict[str, Any]:
        task = await self.require(contact_id, task_id, Errors())
        assert task is not None
        return task_to_api(task)

    async def create(self, contact_id: str, payload: Checked[TaskInput]) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        await self.require(contact_id, None, errors, hold=True)
        await self.check_user(payload.value.assigned_to, "assignedTo", errors)
        errors.raise_any()
        data = payload.value
        await self.require_room(contact_id, MAX_TASKS_PER_CONTACT, "title")
        task_id = new_id()
        await self.repo.insert({
            "id": task_id, "contact_id": contact_id, "title": data.title,
            "description": data.description, "due_date": data.due_date,
            "status": data.status or "incompleted", "assigned_to": data.assigned_to,
            "created_at": now_ms(),
        })  # fmt: skip
        task = await self.get(contact_id, task_id)
        await task_event(self.scope, "TaskCreate", task)
        if task["isCompleted"]:
            await task_event(self.scope, "TaskComplete", task)
        return task

    async def update(
        self, contact_id: str, task_id: str, payload: Checked[TaskInput]
    ) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        before = await self.require(contact_id, task_id, errors)
        await self.check_user(payload.value.assigned_to, "assignedTo", errors)
        errors.raise_any()
        data = payload.value
        values: dict[str, Any] = {
            "title": data.title,
            "description": data.description,
            "due_date": data.due_date,
            "assigned_to": data.assigned_to,
        }
        if data.status is not None:
            values["status"] = data.status
        await self.repo.update(task_id, values)
        return await self._completed(contact_id, task_id, before)

    async def set_status(
        self, contact_id: str, task_id: str, payload: Checked[str]
    ) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        before = await self.require(contact_id, task_id, errors)
        await self.repo.update(task_id, {"status": payload.value})
        return await self._completed(contact_id, task_id, before)

    async def _completed(self, contact_id: str, task_id: str, before: Row | None) -> dict[str, Any]:
        """The task as it is now; TaskComplete when this change completed it."""
        task = await self.get(contact_id, task_id)
        if task["isCompleted"] and (before is None or before["status"] != "completed"):
            await task_event(self.scope, "TaskComplete", task)
        return task

    async def delete(self, contact_id: str, task_id: str) -> None:
        task = await self.get(contact_id, task_id)
        await self.repo.delete(task_id)
        await task_event(self.scope, "TaskDelete", task)
