"""An agency's locations through HTTP (`/v1/locations/`): v1's object, the new location's
first key, what a location key may reach there, and deletion (keys stop at once; the data goes
in the background, through the job queue)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from contactapi.jobs import JOB_HANDLERS
from contactapi.locations import service as location_service
from contactapi.queue.worker import Worker
from tests.factories import Api, make_agency, make_agency_location, make_location

PROFILE = {
    "businessName": "Tesla inc", "address": "3500 Deer Creek Road", "city": "Palo Alto",
    "country": "US", "state": "CA", "postalCode": "94304", "website": "https://www.tesla.com",
    "timezone": "US/Central", "firstName": "John", "lastName": "Deo", "phone": "+1202-555-0107",
    "settings": {"allowDuplicateContact": False, "allowFacebookNameMerge": True},
    "social": {"twitter": "https://twitter.com/XXX"},
    "twilio": {"sid": "AC_XXXXXXXXXXX", "authToken": "77_XXXXXXXXXXX"},
}  # fmt: skip


async def test_an_agency_creates_reads_updates_and_finds_its_locations(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    agency = await make_agency(app, http)
    email = f"office-{secrets.token_hex(3)}@tesla.com"
    created = await agency.post("/v1/locations/", json={**PROFILE, "email": email})
    assert created.status_code == 200, created.text
    location = created.json()
    key = location.pop("apiKey")
    assert location["name"] == "Tesla inc" and location["timezone"] == "US/Central"
    assert location["phone"] == "+12025550107" and location["email"] == email
    assert location["business"]["city"] == "Palo Alto"
    assert location["social"]["twitter"] == "https://twitter.com/XXX"
    assert location["settings"] == {"allowDuplicateContact": False,
                                    "allowDuplicateOpportunity": False,
                                    "allowFacebookNameMerge": True,
                                    "disableContactTimezone": False}  # fmt: skip
    assert "AC_XXXXXXXXXXX" not in str(location)  # twilio's secrets are not kept
    # The first key works at once, on the location's data.
    branch = Api(http, location["id"], key)
    assert (await branch.get("/v1/contacts/")).status_code == 200
    assert (await branch.get(f"/v1/locations/{location['id']}")).json() == location
    assert (await agency.get(f"/v1/locations/{location['id']}/")).json() == location
    assert (await agency.get("/v1/locations")).json() == {"locations": [location]}
    found = await agency.get("/v1/locations/lookup", params={"email": email.upper()})
    assert found.json() == location
    missing = await agency.get("/v1/locations/lookup", params={"email": "no@where.com"})
    assert missing.status_code == 422 and missing.json()["email"]["rule"] == "invalid"
    # A PUT changes what it sends; the dedupe setting is the one POST /v1/contacts/ follows.
    changed = await agency.put(f"/v1/locations/{location['id']}", json={
        "businessName": "Tesla Motors", "settings": {"allowDuplicateContact": True}})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Tesla Motors" and changed.json()["city"] == "Palo Alto"
    assert changed.json()["settings"]["allowDuplicateContact"] is True
    twice = [await branch.make_contact(email="same@example.com") for _ in range(2)]
    assert twice[0]["id"] != twice[1]["id"]


async def test_v1s_422s(app: Starlette, http: httpx.AsyncClient) -> None:
    agency = await make_agency(app, http)
    empty = await agency.post("/v1/locations/", json={})
    assert empty.status_code == 422 and empty.json()["businessName"]["rule"] == "required"
    bad = await agency.post(
        "/v1/locations/",
        json={
            "businessName": "x",
            "country": "Narnia",
            "timezone": "Mars/Base",
            "email": "nope",
            "settings": {"allowDuplicateContact": 1},
        },
    )
    assert set(bad.json()) == {"country", "timezone", "email", "settings"}
    unknown = await agency.get("/v1/locations/nosuchlocation000000")
    assert unknown.status_code == 422 and unknown.json()["locationId"]["rule"] == "invalid"


async def test_location_keys_reach_only_their_own_location(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    agency = await make_agency(app, http)
    mine, sibling = await make_agency_location(agency), await make_agency_location(agency)
    cli_made = await make_location(app, http)
    for api in (mine, cli_made):
        assert (await api.get(f"/v1/locations/{api.location_id}")).status_code == 200
    assert (await mine.get(f"/v1/locations/{sibling.location_id}")).status_code == 401
    assert (await mine.get("/v1/locations/")).status_code == 401
    assert (await mine.post("/v1/locations/", json=PROFILE)).status_code == 401
    assert (await mine.delete(f"/v1/locations/{mine.location_id}")).status_code == 401
    assert (await mine.put(f"/v1/locations/{mine.location_id}", json=PROFILE)).status_code == 401
    # Another agency's locations, and those of no agency, are unknown ids to this agency.
    other = await make_agency(app, http)
    for location_id in (mine.location_id, cli_made.location_id):
        for method in ("GET", "PUT", "DELETE"):
            answer = await other.request(method, f"/v1/locations/{location_id}", json=PROFILE)
            assert answer.status_code == 422, (method, answer.text)
    assert (await other.get("/v1/locations/")).json() == {"locations": []}
    # An agency key reaches no location's data routes.
    assert (await agency.get("/v1/contacts/")).status_code == 401


async def count_rows(app: Starlette, location_id: str) -> dict[str, int]:
    tables = ("contacts", "notes", "tasks", "tags", "contact_tags", "custom_fields",
              "custom_values", "user_locations", "api_keys", "locations")  # fmt: skip

    async def count(conn: Any) -> dict[str, int]:
        found = {}
        for table in tables:
            column = "id" if table == "locations" else "location_id"
            found[table] = int(await conn.fetch_value(
                f"SELECT count(*) FROM {table} WHERE {column} = $1", location_id))  # fmt: skip
        found["users"] = int(await conn.fetch_value(
            "SELECT count(*) FROM users WHERE owner_id = $1", location_id))  # fmt: skip
        return found

    result: dict[str, int] = await app.state.db.run(count, write=False)
    return result


async def test_a_deleted_location_stops_at_once_and_its_data_goes_in_batches(
    app: Starlette, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(location_service, "PURGE_BATCH", 4)
    agency = await make_agency(app, http)
    doomed, kept = await make_agency_location(agency), await make_agency_location(agency)
    for api in (doomed, kept):
        for i in range(10):
            contact = await api.make_contact(tags=["buyer", f"t{i}"])
            await api.post(f"/v1/contacts/{contact['id']}/notes/", json={"body": "hello"})
            await api.post(
                f"/v1/contacts/{contact['id']}/tasks/",
                json={"title": "Call", "dueDate": "2020-10-25T11:00:00Z"},
            )
        await api.post("/v1/custom-fields/", json={"name": "Budget", "dataType": "TEXT"})
        await api.post("/v1/custom-values/", json={"name": "Office", "value": "x"})
        await api.post(
            "/v1/users/",
            json={
                "firstName": "A",
                "lastName": "B",
                "type": "account",
                "email": "a@b.com",
                "role": "user",
                "locationIds": [api.location_id],
            },
        )
    before = await count_rows(app, doomed.location_id)
    assert before["contacts"] == 10 and before["users"] == 1 and before["notes"] == 10
    deleted = await agency.delete(
        f"/v1/locations/{doomed.location_id}", params={"deleteTwilioAccount": "false"}
    )
    assert deleted.status_code == 200 and deleted.json() == {"msg": "Success"}
    # At once: its key is refused, and the agency no longer sees it.
    assert (await doomed.get("/v1/contacts/")).status_code == 401
    assert (await agency.get(f"/v1/locations/{doomed.location_id}")).status_code == 422
    assert [loc["id"] for loc in (await agency.get("/v1/locations/")).json()["locations"]] == [
        kept.location_id
    ]
    # In the background, at most 4 rows of one table per job: 10 notes, 10 tasks, 20 tag
    # links, 10 contacts, 11 tags, ... take 20 jobs.
    done = await Worker(app.state.db, JOB_HANDLERS).run_until_idle()
    assert done >= 15
    assert set((await count_rows(app, doomed.location_id)).values()) == {0}
    # The other location is untouched.
    assert await count_rows(app, kept.location_id) == {**before, "api_keys": 1}
    assert (await kept.get("/v1/contacts/")).json()["meta"]["total"] == 10


async def test_a_deleted_location_s_shared_users_stay_and_its_own_key_gets_401(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    agency = await make_agency(app, http)
    doomed, kept = await make_agency_location(agency), await make_agency_location(agency)
    made = await doomed.post("/v1/users/", json={
        "firstName": "A", "lastName": "B", "email": "a@b.com", "type": "account",
        "role": "user", "locationIds": [doomed.location_id]})  # fmt: skip
    user = made.json()
    shared = {**user, "type": "account", "role": "user", "firstName": "A", "lastName": "B",
              "locationIds": [doomed.location_id, kept.location_id]}  # fmt: skip
    assert (await agency.put(f"/v1/users/{user['id']}", json=shared)).status_code == 200
    assert (await doomed.get(f"/v1/locations/{doomed.location_id}")).status_code == 200
    await agency.delete(f"/v1/locations/{doomed.location_id}")
    # Its key, even one this process remembered a moment ago, is refused (not a 500).
    assert (await doomed.get(f"/v1/locations/{doomed.location_id}")).status_code == 401
    await Worker(app.state.db, JOB_HANDLERS).run_until_idle()
    still = await kept.get(f"/v1/users/{user['id']}")
    assert still.status_code == 200 and still.json()["roles"]["locationIds"] == [kept.location_id]

    async def leftovers(conn: Any) -> int:
        return int(await conn.fetch_value(
            "SELECT count(*) FROM contacts_fts_locations WHERE location_id = $1",
            doomed.location_id))  # fmt: skip

    assert await app.state.db.run(leftovers, write=False) == 0
