"""Isolation: a location's key reaches nothing of another location's, on any route.

Every route of the OpenAPI document is walked with location B's key against location A's
records: routes with path ids answer the contract's 422 keyed by the parameter (another
location's record and a missing one are indistinguishable), list and lookup routes answer
nothing of A's, ids of A's records inside a body are refused or ignored, and A's stored rows
are unchanged afterwards. Routes merged later are walked too; a path parameter that is not
mapped to a kind of record in tests/records.py fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette

from tests.factories import Api, make_location
from tests.records import (
    NOT_IDS,
    PARAM_KINDS,
    PHONE,
    PROFILE_EMAIL,
    SLOT,
    Operation,
    Records,
    agency_route,
    body_properties,
    make_records,
    operations,
    service_body,
    stored,
    team_body,
)

# Bodies that would change A's record if B's request reached it (made from A's records where
# they must name A's own: a team's users); other routes get `{}`.
CHANGES: dict[str, dict[str, Any] | Callable[[Records], dict[str, Any]]] = {
    "/v1/contacts/{id}": {"firstName": "Mallory", "email": "mallory@example.com",
                          "tags": ["stolen"]},
    "/v1/custom-fields/{customFieldId}": {"name": "Hijacked", "placeholder": "x"},
    "/v1/appointments/{appointmentId}": {"title": "Hijacked", "selectedTimezone": "UTC"},
    "/v1/appointments/{appointmentId}/status": {"status": "cancelled"},
    "/v1/contacts/{contactId}/tags/": {"tags": ["vip", "stolen"]},
    "/v1/custom-values/{customValueId}": {"name": "Hijacked", "value": "x"},
    "/v1/contacts/{contactId}/notes/": {"body": "planted"},
    "/v1/contacts/{contactId}/notes/{noteId}": {"body": "rewritten"},
    "/v1/contacts/{contactId}/tasks/": {"title": "planted", "dueDate": "2020-10-25T11:00:00Z"},
    "/v1/contacts/{contactId}/tasks/{taskId}": {"title": "Hijacked",
                                                "dueDate": "2020-10-25T11:00:00Z"},
    "/v1/contacts/{contactId}/tasks/{taskId}/status": {"status": "completed"},
    "/v1/tags/{tagId}": {"name": "hijacked"},
    "/v1/users/{userId}": {"firstName": "Mallory", "lastName": "M", "email": "m@example.com",
                           "type": "account", "role": "admin", "locationIds": []},
    "/v1/locations/{locationId}": {"businessName": "Hijacked"},
    "/v1/webhooks/{webhookId}": {"url": "https://evil.example.com/x"},
    "/v1/calendars/teams/{teamId}": lambda a: team_body([a.ids["user"]], "hijacked"),
    "/v1/calendars/services/{serviceId}": lambda a: service_body(a.ids["team"], a.ids["user"],
                                                                 "hijacked"),
    "/v1/links/{linkId}": {"name": "Hijacked", "redirectTo": "https://example.com/phish"},
    "/v1/pipelines/{pipelineId}": {"name": "Hijacked", "stages": [{"name": "Planted"}]},
    "/v1/pipelines/{pipelineId}/opportunities/": {"title": "Planted", "status": "open",
                                                  "stageId": "planted-stage",
                                                  "email": "mallory@example.com"},
    "/v1/pipelines/{pipelineId}/opportunities/{opportunityId}": {
        "title": "Hijacked", "status": "lost", "stageId": "planted-stage",
        "email": "mallory@example.com"},
    "/v1/pipelines/{pipelineId}/opportunities/{opportunityId}/status": {"status": "lost"},
}  # fmt: skip


def change_for(path: str, records: Records) -> dict[str, Any]:
    change = CHANGES.get(path, {})
    return change(records) if callable(change) else change


# Record ids (20 of [A-Za-z0-9]) and workflow ids (UUIDs), as JSON strings: values, not keys
# (`opportunitiesEnabled` is 20 letters too).
_ID = re.compile(
    r'"([A-Za-z0-9]{20}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"(?!:)'
)


def query_for(op: Operation, records: Records) -> dict[str, str]:
    """A's identifying values for the query parameters that search by them, and the records
    (a calendar) and dates of those that name them."""
    # Users and locations are looked up by their own email.
    email = PROFILE_EMAIL if op.path.endswith(("/users/lookup", "/locations/lookup")) else None
    values = {"email": email or records.email, "phone": PHONE, "query": "Ann"}
    names = [p["name"] for p in op.spec.get("parameters", []) if p["in"] == "query"]
    return {name: values[name] for name in names if name in values} | records.query(op)


def ids_in(response: httpx.Response) -> set[str]:
    """Every id an answer carries (records, tags, the location itself)."""
    return set(_ID.findall(response.text))


# Routes whose answers hold no location's data (the same for every caller).
LOCATION_FREE = {"/v1/timezones/", "/v1/webhooks/public-keys"}


async def test_a_second_location_reads_and_changes_nothing_of_the_first(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    a_records = await make_records(api)
    b = await make_location(app, http)
    b_records = await make_records(b)  # B has records of its own, so its lists are not empty
    before = await stored(app, api.location_id)
    walked = 0
    for op in operations():
        where = f"{op} as B"
        # The agency's routes are called by the agencies (a location key gets 401 there).
        a, b_caller = a_records.caller(op.path), b_records.caller(op.path)
        if op.params:
            url = a_records.path(op.path)
            change = change_for(op.path, a_records)
            kwargs: dict[str, Any] = {"json": change} if op.takes_body else {}
            if op.method == "get":  # the control: A's own key reads it
                own = await a.get(url)
                assert own.status_code == 200, f"{op} as A"
            if agency_route(op.path):
                refused = await b.request(op.method.upper(), url, **kwargs)
                assert refused.status_code == 401, f"{op} as B's location: {refused.text}"
            response = await b_caller.request(op.method.upper(), url, **kwargs)
            if set(op.params) <= NOT_IDS:  # a slug: B's answer tells nothing of A's
                assert response.status_code == 200, f"{where}: {response.text}"
                assert not ids_in(own) & ids_in(response), f"{where}: {response.text}"
                walked += 1
                continue
            assert response.status_code == 422, f"{where}: {response.status_code} {response.text}"
            errors = response.json()
            assert errors and set(errors) <= set(op.params), f"{where}: {errors}"
            for entry in errors.values():
                assert entry["rule"] == "invalid", where
                assert entry["message"].endswith(" id is invalid."), f"{where}: {entry}"
        elif op.method == "get" and op.path not in LOCATION_FREE:
            params = query_for(op, a_records)
            own = await a.get(op.path, params=params)
            assert own.status_code == 200, f"{op} as A: {own.text[:300]}"
            named = {name for name in params if name in PARAM_KINDS}
            response = await b_caller.get(op.path, params=params)
            if named:  # the query names A's records: unknown to B
                assert response.status_code == 422, f"{where}: {response.text}"
                assert set(response.json()) <= named, f"{where}: {response.text}"
                walked += 1
                continue
            assert ids_in(own), f"{op} as A: {own.text[:300]}"
            assert response.status_code == 200, f"{where}: {response.status_code} {response.text}"
            leaked = ids_in(own) & ids_in(response)
            assert not leaked, f"{where} shows A's {leaked}: {response.text[:300]}"
            assert a_records.email not in response.text, f"{where} shows A's email"
        else:
            continue
        walked += 1
    assert walked >= 10
    assert await stored(app, api.location_id) == before


async def test_ids_of_another_location_in_a_body_are_refused_or_ignored(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    a_records = await make_records(api)
    b = await make_location(app, http)
    b_records = await make_records(b)
    before = await stored(app, api.location_id)
    for op in operations():
        if op.method != "post" or op.params or not op.takes_body:
            continue
        id_fields = [n for n in body_properties(op) if n in PARAM_KINDS and n not in NOT_IDS]
        if not id_fields:
            continue
        # B's own ids make the body valid; then each id field in turn names A's record.
        for name in id_fields:
            body = {field: b_records.path("{" + field + "}") for field in id_fields}
            # What a booking needs besides ids; other routes ignore unknown keys.
            body |= {"selectedSlot": SLOT, "selectedTimezone": "UTC"}
            body[name] = a_records.path("{" + name + "}")
            response = await b.post(op.path, json=body)
            assert response.status_code == 422, f"{op} {name}: {response.text}"
            assert response.json()[name]["rule"] == "invalid"
    # A custom field of A named in B's contact is an unknown key: ignored, nothing written.
    made = await b.make_contact(customField={a_records.ids["field"]: "leak"})
    assert made["customField"] == []
    assert await stored(app, api.location_id) == before
