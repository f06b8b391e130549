"""One record of every kind in a location, and the routes of the OpenAPI document filled in with
their ids: the hardening tests walk the document, so routes merged later are covered too."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette

from contactapi.app import openapi_document
from contactapi.db.engine import Connection
from contactapi.db.schema import metadata
from tests.factories import Api

# Path parameter name -> the kind of record it names. A route with a parameter missing here
# makes the tests fail until it is mapped.
PARAM_KINDS = {
    "id": "contact",
    "contactId": "contact",
    "customFieldId": "field",
    "calendarId": "calendar",
    "appointmentId": "appointment",
    "campaignId": "campaign",
    "workflowId": "workflow",
    "customValueId": "custom_value",
    "noteId": "note",
    "taskId": "task",
    "tagId": "tag",
    "userId": "user",
    "locationId": "location",
    "webhookId": "webhook",
    "deliveryId": "delivery",
    "teamId": "team",
    "serviceId": "service",
    "linkId": "link",
    # Not an id: a slug answers whether it is free (tests/test_isolation.py, test_hostile.py).
    "slug": "slug",
    "pipelineId": "pipeline",
    "opportunityId": "opportunity",
}
# Path parameters that name no record: any value is answered (200), or refused keyed by it.
NOT_IDS = {"slug"}
_PARAM = re.compile(r"\{([^}]+)\}")
SLOT = "2021-06-23T03:30:00+05:30"
# The slot of the appointment make_records books: not SLOT, which tests (and v1's collection)
# book in the same calendar.
BOOKED = "2021-06-22T09:00:00Z"
BOOKED_MS = 1624352400000
PHONE = "+18887324197"
# The location's and its user's email: v1's example address, which its collection looks up.
PROFILE_EMAIL = "john@deo.com"
# Mondays to Fridays, 09:00 to 17:00.
OFFICE_HOURS = {day: [{"openHour": 9, "openMinute": 0, "closeHour": 17, "closeMinute": 0}]
                for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}  # fmt: skip


def service_body(team_id: str, user_id: str, slug: str, **fields: Any) -> dict[str, Any]:
    """A valid calendar service body (v1's required fields), of the team, served by the user."""
    notify = {flag: False for flag in ("autoConfirm", "shouldSendAlertEmailsToAssignedMember",
                                       "googleInvitationEmails", "allowReschedule",
                                       "allowCancellation")}  # fmt: skip
    return {
        "teamId": team_id, "name": "30 Mins Call", "description": "A call", "slug": slug,
        "eventType": "RoundRobin_OptimizeForAvailability", "eventColor": "Peacock",
        "appointmentTitle": "{{contact.name}}",
        "teamMembers": [{"userId": user_id, "priority": "High", "selected": True}],
        "availability": {"eventTiming": {"slotDuration": 30, "slotInterval": 30},
                         "officeHours": OFFICE_HOURS},
        "confirmation": {"notificationAndOther": notify,
                         "formSubmission": {"type": "ThankYouMessage", "content": "Thanks"}},
        **fields,
    }  # fmt: skip


def team_body(user_ids: list[str], slug: str, **fields: Any) -> dict[str, Any]:
    config = {"calendarName": "Sales", "description": "Sales calls", "slug": slug}
    return {"name": "Sales Team", "userIds": user_ids, "calendarConfig": config, **fields}


def agency_route(path: str) -> bool:
    """Routes an agency key calls (`/v1/locations/`); a location key may only read its own."""
    return path.startswith("/v1/locations")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def takes_body(self) -> bool:
        return "requestBody" in self.spec

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations() -> list[Operation]:
    """Every `/v1` operation of the document."""
    return [
        Operation(method, path, spec)
        for path, item in openapi_document()["paths"].items()
        if path.startswith("/v1/")
        for method, spec in item.items()
    ]


def body_properties(op: Operation) -> dict[str, dict[str, Any]]:
    schema = op.spec["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = openapi_document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    properties: dict[str, dict[str, Any]] = schema.get("properties", {})
    return properties


def has_operation(method: str, path: str) -> bool:
    return any(op.method == method and op.path == path for op in operations())


@dataclass
class Records:
    """A location's records, one of each kind, by kind."""

    ids: dict[str, str] = field(default_factory=dict)
    email: str = ""
    api: Api | None = None

    def caller(self, path: str) -> Api:
        """Who calls `path` for this location: its agency for the agency's routes."""
        assert self.api is not None and self.api.agency is not None
        return self.api.agency if agency_route(path) else self.api

    def path(self, template: str) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match[1]
            kind = PARAM_KINDS.get(name)
            if kind is None:
                raise LookupError(f"unmapped path parameter {name!r} in {template}: "
                                  "map it in tests/records.py PARAM_KINDS")  # fmt: skip
            if kind not in self.ids:
                raise LookupError(f"no {kind} record for {template}: create one in make_records")
            return self.ids[kind]

        return _PARAM.sub(fill, template)

    def by_param(self) -> dict[str, str]:
        return {name: self.ids[kind] for name, kind in PARAM_KINDS.items() if kind in self.ids}

    def query(self, op: Operation) -> dict[str, str]:
        """Values the operation's query takes that name the location's records: a calendar,
        and dates around its appointment (`BOOKED`)."""
        values = {"calendarId": self.ids["calendar"], "startDate": str(BOOKED_MS - 86_400_000),
                  "endDate": str(BOOKED_MS + 86_400_000)}  # fmt: skip
        names = [p["name"] for p in op.spec.get("parameters", []) if p["in"] == "query"]
        return {name: values[name] for name in names if name in values}


async def _created(api: Api, url: str, body: dict[str, Any], key: str | None) -> str:
    response = await api.post(url, json=body)
    assert response.status_code == 200, f"POST {url}: {response.status_code} {response.text}"
    data = response.json()
    record_id: str = (data[key] if key else data)["id"]
    return record_id


async def make_records(api: Api) -> Records:
    """The location's profile (through its agency) and a user; a contact (with a tag and a
    custom field value), a custom field, a calendar, an appointment, a calendar team (of the
    user; its slug too) and service, a trigger link, a tag, a custom value, a note, a task, a
    pipeline (with its first stage) and an opportunity; and, when the document has their
    routes, a campaign and a workflow with the contact in both."""
    records = Records(api=api)
    ids = records.ids
    ids["location"] = api.location_id
    assert api.agency is not None
    profile = {"businessName": "Test location", "email": PROFILE_EMAIL}
    response = await api.agency.put(f"/v1/locations/{api.location_id}", json=profile)
    assert response.status_code == 200, response.text
    user = {"firstName": "John", "lastName": "Deo", "email": PROFILE_EMAIL, "type": "account",
            "role": "admin", "locationIds": [api.location_id]}  # fmt: skip
    ids["user"] = await _created(api, "/v1/users/", user, None)
    # Subscribed before the contact is made: its ContactCreate is the webhook's delivery.
    hook = {"url": "https://example.com/hooks", "events": ["ContactCreate"]}
    ids["webhook"] = await _created(api, "/v1/webhooks/", hook, "webhook")
    ids["field"] = await _created(
        api, "/v1/custom-fields/", {"name": f"Notes {secrets.token_hex(3)}", "dataType": "TEXT"},
        None,
    )  # fmt: skip
    records.email = f"a-{secrets.token_hex(4)}@example.com"
    contact = {"email": records.email, "phone": PHONE, "firstName": "Ann", "tags": ["vip"],
               "customField": {ids["field"]: "kept"}}  # fmt: skip
    ids["contact"] = await _created(api, "/v1/contacts/", contact, "contact")
    deliveries = await api.get(f"/v1/webhooks/{ids['webhook']}/deliveries")
    ids["delivery"] = deliveries.json()["deliveries"][0]["id"]
    ids["calendar"] = await _created(api, "/v1/calendars/", {"name": "Viewings"}, "calendar")
    booking = {"calendarId": ids["calendar"], "contactId": ids["contact"],
               "selectedSlot": BOOKED, "selectedTimezone": "Asia/Kolkata"}  # fmt: skip
    ids["appointment"] = await _created(api, "/v1/appointments/", booking, None)
    if has_operation("post", "/v1/campaigns/"):
        body = {"name": "Spring", "status": "published"}
        ids["campaign"] = await _created(api, "/v1/campaigns/", body, "campaign")
    if has_operation("post", "/v1/workflows/"):
        body = {"name": "Welcome", "status": "published"}
        ids["workflow"] = await _created(api, "/v1/workflows/", body, "workflow")
    ids["slug"] = f"team-{secrets.token_hex(4)}"
    ids["team"] = await _created(api, "/v1/calendars/teams/", team_body([ids["user"]], ids["slug"]),
                                 None)  # fmt: skip
    service = service_body(ids["team"], ids["user"], f"service-{secrets.token_hex(4)}")
    ids["service"] = await _created(api, "/v1/calendars/services/", service, None)
    link = {"name": "Open house", "redirectTo": "https://example.com/open-house"}
    ids["link"] = await _created(api, "/v1/links/", link, None)
    ids["tag"] = await _created(api, "/v1/tags/", {"name": f"vip-{secrets.token_hex(3)}"}, None)
    ids["custom_value"] = await _created(
        api, "/v1/custom-values/", {"name": f"Office {secrets.token_hex(3)}", "value": "v"}, None
    )
    notes = records.path("/v1/contacts/{contactId}/notes/")
    ids["note"] = await _created(api, notes, {"body": "First call"}, None)
    tasks = records.path("/v1/contacts/{contactId}/tasks/")
    task = {"title": "Call back", "dueDate": "2020-10-25T11:00:00Z"}
    ids["task"] = await _created(api, tasks, task, None)
    pipeline = {"name": "Sales", "stages": [{"name": "New"}, {"name": "Won"}]}
    response = await api.post("/v1/pipelines/", json=pipeline)
    assert response.status_code == 200, response.text
    ids["pipeline"] = response.json()["id"]
    ids["stage"] = response.json()["stages"][0]["id"]
    opportunity = {"title": "First Opp", "status": "open", "stageId": ids["stage"],
                   "contactId": ids["contact"], "monetaryValue": 120}  # fmt: skip
    opportunities = records.path("/v1/pipelines/{pipelineId}/opportunities/")
    ids["opportunity"] = await _created(api, opportunities, opportunity, None)
    for template in (
        "/v1/contacts/{contactId}/campaigns/{campaignId}",
        "/v1/contacts/{contactId}/workflow/{workflowId}",
    ):
        if has_operation("post", template):
            response = await api.post(records.path(template), json={})
            assert response.status_code == 200, f"{template}: {response.text}"
    return records


async def stored(app: Starlette, location_id: str) -> dict[str, list[str]]:
    """Every stored row of the location, table by table: equal dumps before and after a test
    mean nothing of the location changed (tables added later are included)."""
    dump: dict[str, list[str]] = {}

    async def read(conn: Connection) -> None:
        for table in metadata.sorted_tables:
            if "location_id" not in table.columns:
                continue
            rows = await conn.fetch_all(
                f"SELECT * FROM {table.name} WHERE location_id = $1", location_id
            )
            dump[table.name] = sorted(repr(sorted(dict(row).items())) for row in rows)

    await app.state.db.run(read, write=False)
    return dump
