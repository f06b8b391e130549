"""Workflow rules and every workflow write, for requests and for the queue's jobs.

Enrolling writes the enrollment (`queued`) and its job in one transaction; the job, run by a
worker, makes it `active`. Nothing here commits: the request or the job's transaction does.
"""

from __future__ import annotations

import uuid
from typing import Any

from contactapi import validation as v
from contactapi.contacts.repository import ContactRepository
from contactapi.core import now_ms
from contactapi.limits import MAX_WORKFLOWS, Page, page_of, require_room
from contactapi.queue.outbox import enqueue
from contactapi.scope import LocationScope, WorkScope
from contactapi.webhooks.events import emit
from contactapi.workflows.repository import WorkflowRepository
from contactapi.workflows.schemas import WorkflowInput, enrollment_to_api, workflow_to_api

ENROLL_JOB = "workflow.enroll"


class WorkflowService:
    def __init__(self, scope: LocationScope) -> None:
        self.conn = scope.conn
        self.location_id = scope.location_id
        self.repo = WorkflowRepository(scope.conn, scope.location_id)
        self.contacts = ContactRepository(scope.conn, scope.location_id)

    async def create(self, payload: v.Checked[WorkflowInput]) -> dict[str, Any]:
        data = payload.get()
        await require_room(self.repo, MAX_WORKFLOWS, "workflow", "workflows")
        workflow_id = str(uuid.uuid4())
        at = now_ms()
        await self.repo.insert(
            {
                "id": workflow_id,
                "name": data.name,
                "status": data.status,
                "version": 1,
                "created_at": at,
                "updated_at": at,
            }
        )
        row = await self.repo.get(workflow_id)
        assert row is not None
        return workflow_to_api(row)

    async def all(self, page: Page) -> list[dict[str, Any]]:
        rows = await page_of(self.repo, ("created_at", "id"), page, "workflow")
        return [workflow_to_api(row) for row in rows]

    async def _require(
        self, contact_id: str, workflow_id: str | None, errors: v.Errors, *, hold: bool
    ) -> None:
        """Both path ids (and any body errors) are reported together, as v1 does."""
        contact_found = await self.contacts.exists(contact_id, hold=hold)
        workflow_found = workflow_id is None or await self.repo.get(workflow_id) is not None
        v.require_found(
            errors,
            (contact_found, "contactId", "contact"),
            (workflow_found, "workflowId", "workflow"),
        )

    async def enroll(
        self, contact_id: str, workflow_id: str, payload: v.Checked[int | None]
    ) -> None:
        """Queue the contact for the workflow. Already queued or active: nothing new is queued
        (a sent eventStartTime still updates a queued one). Removed or finished: queued again."""
        errors = v.Errors()
        errors.update(payload.errors)
        event_start = payload.value
        await self._require(contact_id, workflow_id, errors, hold=True)
        at = now_ms()
        if not await self.repo.insert_enrollment(contact_id, workflow_id, event_start, at):
            current = await self.repo.enrollment(contact_id, workflow_id)
            assert current is not None
            if current["status"] in ("queued", "active"):
                if current["status"] == "queued" and event_start is not None:
                    await self.repo.set_event_start_time(contact_id, workflow_id, event_start)
                return
            await self.repo.requeue(contact_id, workflow_id, event_start, at)
        await enqueue(
            self.conn,
            self.location_id,
            ENROLL_JOB,
            {"contactId": contact_id, "workflowId": workflow_id},
        )

    async def remove(self, contact_id: str, workflow_id: str) -> None:
        """The enrollment stays, as `removed`, so the contact's list tells what happened; a
        job still queued for it then ends without effect."""
        await self._require(contact_id, workflow_id, v.Errors(), hold=True)
        await self.repo.mark_removed(contact_id, workflow_id)

    async def of_contact(self, contact_id: str) -> list[dict[str, Any]]:
        await self._require(contact_id, None, v.Errors(), hold=False)
        return [enrollment_to_api(row) for row in await self.repo.enrollments_of(contact_id)]


async def process_enrollment(scope: WorkScope, payload: dict[str, Any]) -> bool:
    """The job of an enrollment: `queued` -> `active`. Returns whether anything changed; run
    twice, or after the contact or the enrollment went, it changes nothing."""
    repo = WorkflowRepository(scope.conn, scope.location_id)
    activated = await repo.activate(payload["contactId"], payload["workflowId"], now_ms())
    if activated:
        contact_id = payload["contactId"]
        fields = {"id": contact_id, "contactId": contact_id, "workflowId": payload["workflowId"]}
        await emit(scope.conn, scope.location_id, "ContactWorkflowEnrolled", fields, contact_id)
    return activated
