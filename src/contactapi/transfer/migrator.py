"""`contactapi migrate`: a location copied from any server that speaks the v1 API (GHL's own
included), read through its public routes, written here through the services (the API's rules
and events): custom fields, contacts (tags, custom values), their notes and tasks, pipelines
and their opportunities.

Each page read from the source is written in one transaction together with the source ids of
what it copied (`transfer_ids`), so a run that stops anywhere resumes where it stopped, and a
second run copies nothing twice (it still reads the whole source, to count it). The report
is the count of each kind in the source and here."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from contactapi.contacts.schemas import prepare_contact
from contactapi.contacts.service import ContactService
from contactapi.custom_fields.schemas import prepare_new_field
from contactapi.custom_fields.service import CustomFieldService
from contactapi.db.engine import Connection, Database, create_database
from contactapi.errors import ValidationFailed
from contactapi.notes.schemas import parse_note
from contactapi.notes.service import NoteService
from contactapi.opportunities.schemas import parse_opportunity
from contactapi.opportunities.service import OpportunityService
from contactapi.pipelines.schemas import parse_pipeline
from contactapi.pipelines.service import PipelineService
from contactapi.scope import LocationScope
from contactapi.settings import Settings
from contactapi.tasks.schemas import parse_task
from contactapi.tasks.service import TaskService
from contactapi.transfer.location import location_scope
from contactapi.transfer.progress import Reporter
from contactapi.transfer.repository import KIND_TABLES, IdMap, count_kinds
from contactapi.transfer.source import Source

# The contact fields copied as they are (ids, dates and derived forms are the target's own).
CONTACT_FIELDS = ("firstName", "lastName", "email", "phone", "companyName", "address1", "city",
                  "state", "postalCode", "country", "website", "timezone", "dnd", "type",
                  "source", "assignedTo", "tags")  # fmt: skip
KINDS = tuple(KIND_TABLES)
# The kind of one record (as `transfer_ids` keeps it), and the kind it is counted under.
COUNTED_AS = {"custom field": "custom fields", "contact": "contacts", "note": "notes",
              "task": "tasks", "pipeline": "pipelines",
              "opportunity": "opportunities"}  # fmt: skip
ShowProgress = Callable[[str, int | None], AbstractContextManager[Reporter]]


@dataclass
class MigrationReport:
    source: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    target: dict[str, int] = field(default_factory=dict)
    copied: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    # "kind source-id: why", for records the target refused.
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    rate_limited: int = 0
    seconds: float = 0.0

    @property
    def matches(self) -> bool:
        return all(self.source[kind] == self.target.get(kind) for kind in KINDS)


def source_key(base_url: str, key: str) -> str:
    """Which source a copy came from: its base URL and (a hash of) the key naming its location."""
    secret = hashlib.sha256(key.encode()).hexdigest()
    return hashlib.sha256(f"{base_url.rstrip('/')}|{secret}".encode()).hexdigest()[:40]


def migrate(
    settings: Settings, base_url: str, key: str, location_id: str, show: ShowProgress
) -> MigrationReport:
    """Raises LocationError, SourceError."""
    started = time.monotonic()
    report = asyncio.run(_migrate(settings, Source(base_url, key), key, location_id, show))
    report.seconds = time.monotonic() - started
    return report


async def _migrate(
    settings: Settings, source: Source, key: str, location_id: str, show: ShowProgress
) -> MigrationReport:
    db = create_database(settings)
    await db.connect()
    try:
        copy = _Copy(db, source, location_id, source_key(source.base, key), MigrationReport())
        await db.run(lambda conn: location_scope(conn, location_id), write=False)
        await copy.custom_fields()
        await copy.contacts(show)
        await copy.pipelines()
        await copy.opportunities(show)
        copy.report.target = await db.run(lambda c: count_kinds(c, location_id), write=False)
        copy.report.requests, copy.report.rate_limited = source.requests, source.waits
        return copy.report
    finally:
        await source.close()
        await db.close()


@dataclass
class _Copy:
    db: Database
    source: Source
    location_id: str
    source_id: str
    report: MigrationReport
    fields: dict[str, str] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    pipeline_ids: dict[str, str] = field(default_factory=dict)

    async def _write(self, work: Callable[[LocationScope, IdMap], Any]) -> Any:
        async def run(conn: Connection) -> Any:
            scope = await location_scope(conn, self.location_id)
            return await work(scope, IdMap(conn, self.location_id, self.source_id))

        return await self.db.run(run, write=True)

    async def _create(self, ids: IdMap, kind: str, source_id: str, create: Any) -> str | None:
        """`create()`'s new id, recorded as the copy of `source_id`; a refusal is reported."""
        try:
            target_id: str = (await create())["id"]
        except ValidationFailed as exc:
            problem = "; ".join(f"{k}: {p['message']}" for k, p in exc.errors.items())
            self.report.failures.append(f"{kind} {source_id}: {problem}")
            return None
        await ids.add(kind, source_id, target_id)
        self.report.copied[COUNTED_AS[kind]] += 1
        return target_id

    async def custom_fields(self) -> None:
        fields = await self.source.whole("/v1/custom-fields/", "customFields")
        self.report.source["custom fields"] = len(fields)

        async def work(scope: LocationScope, ids: IdMap) -> dict[str, str]:
            known = await ids.targets("custom field", [f["id"] for f in fields])
            service = CustomFieldService(scope)
            for item in fields:
                if item["id"] in known:
                    continue
                body = {"name": item.get("name"), "dataType": item.get("dataType"),
                        "placeholder": item.get("placeholder"),
                        "options": item.get("picklistOptions") or None}  # fmt: skip
                body = {k: v for k, v in body.items() if v is not None}
                target = await self._create(ids, "custom field", item["id"], lambda b=body: (
                    service.create(prepare_new_field(b, scope.location))))  # fmt: skip
                if target is not None:
                    known[item["id"]] = target
            return known

        self.fields = await self._write(work)

    async def contacts(self, show: ShowProgress) -> None:
        with show("contacts", None) as progress:
            async for page, total in self.source.pages("/v1/contacts/", "contacts"):
                progress.update(self.report.source["contacts"], total)
                notes, tasks = await self._children(page)
                self.report.source["contacts"] += len(page)
                self.report.source["notes"] += sum(len(n) for n in notes.values())
                self.report.source["tasks"] += sum(len(t) for t in tasks.values())
                await self._write(partial(self._contact_page, page=page, notes=notes, tasks=tasks))
                progress.advance(len(page))

    async def _children(
        self, page: list[dict[str, Any]]
    ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
        notes, tasks = {}, {}
        for contact in page:
            path = f"/v1/contacts/{contact['id']}"
            notes[contact["id"]] = await self.source.whole(f"{path}/notes/", "notes")
            tasks[contact["id"]] = await self.source.whole(f"{path}/tasks/", "tasks")
        return notes, tasks

    async def _contact_page(
        self,
        scope: LocationScope,
        ids: IdMap,
        page: list[dict[str, Any]],
        notes: dict[str, list[dict[str, Any]]],
        tasks: dict[str, list[dict[str, Any]]],
    ) -> None:
        known = await ids.targets("contact", [c["id"] for c in page])
        contacts = ContactService(scope)
        for contact in page:
            if contact["id"] not in known:
                body = self._contact_body(contact)
                target = await self._create(ids, "contact", contact["id"], lambda b=body: (
                    self._upsert(contacts, scope, b)))  # fmt: skip
                if target is not None:
                    known[contact["id"]] = target
        await self._notes(scope, ids, known, notes)
        await self._tasks(scope, ids, known, tasks)

    @staticmethod
    async def _upsert(contacts: ContactService, scope: LocationScope,
                      body: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        contact, _ = await contacts.upsert(prepare_contact(body, scope.location))
        return contact

    def _contact_body(self, contact: dict[str, Any]) -> dict[str, Any]:
        body = {key: contact[key] for key in CONTACT_FIELDS if contact.get(key) is not None}
        if "firstName" not in body and "lastName" not in body and contact.get("contactName"):
            body["name"] = contact["contactName"]
        birth = contact.get("dateOfBirth")
        if isinstance(birth, str) and birth:
            body["dateOfBirth"] = birth[:10]
        values = contact.get("customField") or []
        if isinstance(values, list):
            custom = {self.fields[v["id"]]: v.get("value") for v in values
                      if isinstance(v, dict) and v.get("id") in self.fields}  # fmt: skip
            if custom:
                body["customField"] = custom
        return body

    async def _notes(self, scope: LocationScope, ids: IdMap, contacts: dict[str, str],
                     notes: dict[str, list[dict[str, Any]]]) -> None:  # fmt: skip
        service = NoteService(scope)

        def create(contact: str, note: dict[str, Any]) -> Awaitable[dict[str, Any]]:
            return service.create(contact, parse_note({"body": note.get("body")}, scope.location))

        await self._per_contact(ids, "note", contacts, notes, create)

    async def _tasks(self, scope: LocationScope, ids: IdMap, contacts: dict[str, str],
                     tasks: dict[str, list[dict[str, Any]]]) -> None:  # fmt: skip
        service = TaskService(scope)

        def create(contact: str, task: dict[str, Any]) -> Awaitable[dict[str, Any]]:
            # Users are not copied: a task keeps no assignee.
            body = {
                "title": task.get("title"),
                "description": task.get("description"),
                "dueDate": task.get("dueDate"),
                "status": "completed" if task.get("isCompleted") else "incompleted",
            }
            return service.create(contact, parse_task(body, scope.location))

        await self._per_contact(ids, "task", contacts, tasks, create)

    async def _per_contact(
        self,
        ids: IdMap,
        kind: str,
        contacts: dict[str, str],
        items_by_contact: dict[str, list[dict[str, Any]]],
        create: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
    ) -> None:
        """The items of each copied contact not copied before, created on its copy."""
        for source_contact, items in items_by_contact.items():
            done = await ids.targets(kind, [item["id"] for item in items])
            target_contact = contacts.get(source_contact)
            for item in items:
                if item["id"] in done or target_contact is None:
                    continue
                await self._create(ids, kind, item["id"],
                                   partial(create, target_contact, item))  # fmt: skip

    async def pipelines(self) -> None:
        pipelines = await self.source.whole("/v1/pipelines/", "pipelines")
        self.report.source["pipelines"] = len(pipelines)

        async def work(scope: LocationScope, ids: IdMap) -> None:
            known = await ids.targets("pipeline", [p["id"] for p in pipelines])
            stage_ids = [s["id"] for p in pipelines for s in p.get("stages") or []]
            self.stages = await ids.targets("stage", stage_ids)
            service = PipelineService(scope)
            for pipeline in pipelines:
                if pipeline["id"] in known:
                    continue
                stages = pipeline.get("stages") or []
                body = {"name": pipeline.get("name"),
                        "stages": [{"name": s.get("name")} for s in stages]}  # fmt: skip
                created: dict[str, Any] = {}

                async def create(b: dict[str, Any] = body, out: dict[str, Any] = created) -> Any:
                    out.update(await service.create(parse_pipeline(b, scope.location)))
                    return out

                target = await self._create(ids, "pipeline", pipeline["id"], create)
                if target is None:
                    continue
                known[pipeline["id"]] = target
                for ours, theirs in zip(created["stages"], stages, strict=True):
                    await ids.add("stage", theirs["id"], ours["id"])
                    self.stages[theirs["id"]] = ours["id"]
            self.pipeline_ids = known

        await self._write(work)

    async def opportunities(self, show: ShowProgress) -> None:
        with show("opportunities", None) as progress:
            for source_pipeline, target_pipeline in self.pipeline_ids.items():
                path = f"/v1/pipelines/{source_pipeline}/opportunities/"
                async for page, _ in self.source.pages(path, "opportunities"):
                    self.report.source["opportunities"] += len(page)
                    await self._write(
                        partial(self._opportunity_page, pipeline_id=target_pipeline, page=page)
                    )
                    progress.advance(len(page))

    async def _opportunity_page(self, scope: LocationScope, ids: IdMap, pipeline_id: str,
                                page: list[dict[str, Any]]) -> None:  # fmt: skip
        known = await ids.targets("opportunity", [o["id"] for o in page])
        contact_ids = [(o.get("contact") or {}).get("id") or "" for o in page]
        contacts = await ids.targets("contact", [c for c in contact_ids if c])
        service = OpportunityService(scope)
        for item in page:
            if item["id"] in known:
                continue
            contact = item.get("contact") or {}
            body: dict[str, Any] = {
                "title": item.get("name"), "status": item.get("status"),
                "stageId": self.stages.get(item.get("pipelineStageId") or "", ""),
                "monetaryValue": item.get("monetaryValue"), "source": item.get("source"),
            }  # fmt: skip
            if contact.get("id") in contacts:
                body["contactId"] = contacts[contact["id"]]
            else:
                body |= {k: contact[k] for k in ("email", "phone", "name") if contact.get(k)}
            body = {k: v for k, v in body.items() if v is not None}
            await self._create(ids, "opportunity", item["id"], lambda b=body: (
                service.create(pipeline_id, parse_opportunity(b, scope.location))))  # fmt: skip
