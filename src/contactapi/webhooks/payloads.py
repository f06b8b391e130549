"""Events' bodies in GHL's v2 shapes, built from our answers' objects: a contact's fields flat
beside `type` and `locationId` (`name` for its full name, `customFields` as `{id, value}`), a
note's and a task's with their `contactId`."""

from __future__ import annotations

from functools import partial
from typing import Any

from contactapi.scope import LocationScope
from contactapi.webhooks.events import PreparedEvent, emit, likely_wanted, prepare_event

_CONTACT_KEYS = ("id", "firstName", "lastName", "email", "phone", "companyName", "address1",
                 "city", "state", "postalCode", "country", "website", "timezone", "source",
                 "dateOfBirth", "dnd", "tags", "dateAdded", "dateUpdated")  # fmt: skip


def contact_fields(contact: dict[str, Any]) -> dict[str, Any]:
    fields = {key: contact.get(key) for key in _CONTACT_KEYS}
    fields["name"] = contact.get("contactName")
    fields["customFields"] = [
        {"id": value.get("id"), "value": value.get("value")}
        for value in contact.get("customField") or []
    ]
    return fields


def prepared_create(location_id: str, contact: dict[str, Any]) -> PreparedEvent | None:
    """The ContactCreate of a contact about to be made, made before its transaction when this
    location's subscriptions wanted one lately (else none is made: most locations have none)."""
    if not likely_wanted(location_id, "ContactCreate"):
        return None
    return prepare_event(location_id, "ContactCreate", contact_fields(contact))


async def contact_event(
    scope: LocationScope,
    event_type: str,
    contact: dict[str, Any],
    *,
    new: bool = False,
    prepared: PreparedEvent | None = None,
) -> None:
    """`new`: the contact was made by this transaction; `prepared`: this event of it, made
    before the transaction from the same `contact`."""
    fields = partial(contact_fields, contact)  # made only when some subscription wants it
    await emit(scope.conn, scope.location_id, event_type, fields, contact["id"], new_key=new,
               prepared=prepared)  # fmt: skip


async def contact_changes(
    scope: LocationScope,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    prepared: PreparedEvent | None = None,
) -> None:
    """ContactCreate (`prepared` before the transaction, or not), or ContactUpdate; and,
    beside an update, ContactTagUpdate when the tags changed and ContactDndUpdate when `dnd`
    did (GHL sends those on their own too)."""
    if before is None:
        await contact_event(scope, "ContactCreate", after, new=True, prepared=prepared)
        return
    await contact_event(scope, "ContactUpdate", after)
    if before.get("tags") != after.get("tags"):
        await contact_event(scope, "ContactTagUpdate", after)
    if before.get("dnd") != after.get("dnd"):
        await contact_event(scope, "ContactDndUpdate", after)


async def note_event(scope: LocationScope, event_type: str, contact_id: str,
                     note: dict[str, Any]) -> None:  # fmt: skip
    fields = {"id": note["id"], "contactId": contact_id, "body": note["body"],
              "userId": note.get("createdBy"), "dateAdded": note.get("createdAt")}  # fmt: skip
    await emit(scope.conn, scope.location_id, event_type, fields, contact_id)


async def task_event(scope: LocationScope, event_type: str, task: dict[str, Any]) -> None:
    fields = {"id": task["id"], "contactId": task["contactId"], "title": task["title"],
              "body": task.get("description"), "assignedTo": task.get("assignedTo"),
              "dueDate": task.get("dueDate"), "completed": task.get("isCompleted")}  # fmt: skip
    await emit(scope.conn, scope.location_id, event_type, fields, task["contactId"])


async def opportunity_event(
    scope: LocationScope, event_type: str, opportunity: dict[str, Any]
) -> None:
    """v2's opportunity fields, flat; ordered with its contact's events."""
    contact_id = opportunity["contact"]["id"]
    fields = {key: opportunity.get(key) for key in (
        "id", "name", "monetaryValue", "pipelineId", "pipelineStageId", "assignedTo", "status",
        "source", "lastStatusChangeAt")}  # fmt: skip
    fields |= {"contactId": contact_id, "dateAdded": opportunity.get("createdAt")}
    await emit(scope.conn, scope.location_id, event_type, fields, contact_id)


async def opportunity_changes(
    scope: LocationScope, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """OpportunityCreate, or OpportunityUpdate with OpportunityStatusUpdate and
    OpportunityStageUpdate beside it when those moved."""
    if before is None:
        await opportunity_event(scope, "OpportunityCreate", after)
        return
    await opportunity_event(scope, "OpportunityUpdate", after)
    if before["status"] != after["status"]:
        await opportunity_event(scope, "OpportunityStatusUpdate", after)
    if before["pipelineStageId"] != after["pipelineStageId"]:
        await opportunity_event(scope, "OpportunityStageUpdate", after)


async def appointment_event(
    scope: LocationScope, event_type: str, appointment: dict[str, Any]
) -> None:
    """v2 nests the appointment under `appointment`."""
    contact_id = appointment["contactId"]
    await emit(scope.conn, scope.location_id, event_type, {"appointment": appointment},
               contact_id)  # fmt: skip
