"""Races: many concurrent requests on one contact, round after round. No duplicate, no lost
tag or value, no 500, and a consistent end state.

On SQLite the in-process writes are serialised by design (group commit), which still tests the
rules; on PostgreSQL the requests run concurrently through the connection pool.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Awaitable

import httpx
from starlette.applications import Starlette

from tests.factories import Api
from tests.records import has_operation, stored

ROUNDS = 20
CONCURRENCY = 20


async def together(requests: list[Awaitable[httpx.Response]]) -> list[httpx.Response]:
    responses = await asyncio.gather(*requests)
    for response in responses:
        assert response.status_code != 500, response.text
    return list(responses)


async def test_concurrent_upserts_of_one_email_make_one_contact(api: Api, backend: str) -> None:
    for round_ in range(ROUNDS):
        email = f"race-{round_}-{secrets.token_hex(4)}@example.com"
        # Differently cased: the match is case-insensitive.
        bodies = [{"email": email.upper() if i % 2 else email, "firstName": f"N{i}"}
                  for i in range(CONCURRENCY)]  # fmt: skip
        responses = await together([api.post("/v1/contacts/", json=body) for body in bodies])
        assert {r.status_code for r in responses} == {200}
        assert len({r.json()["contact"]["id"] for r in responses}) == 1
        assert sum(r.json()["new"] for r in responses) == 1
        found = await api.get("/v1/contacts/lookup", params={"email": email})
        assert len(found.json()["contacts"]) == 1
    print(f"\nraces [{backend}]: upsert of one email, {ROUNDS} rounds x {CONCURRENCY} concurrent")


async def test_concurrent_tag_additions_lose_no_tag(api: Api, backend: str) -> None:
    tag_route = has_operation("post", "/v1/contacts/{contactId}/tags/")
    for round_ in range(ROUNDS):
        contact = await api.make_contact(tags=["first"])
        email = contact["email"]
        upserts = [api.post("/v1/contacts/", json={"email": email, "tags": [f"u{i}"]})
                   for i in range(CONCURRENCY)]  # fmt: skip
        expected = {"first", *(f"u{i}" for i in range(CONCURRENCY))}
        if tag_route:
            url = f"/v1/contacts/{contact['id']}/tags/"
            upserts += [api.post(url, json={"tags": [f"t{i}"]}) for i in range(CONCURRENCY)]
            expected |= {f"t{i}" for i in range(CONCURRENCY)}
        responses = await together(upserts)
        assert {r.status_code for r in responses} == {200}, round_
        final = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
        assert set(final["tags"]) == expected
        assert len(final["tags"]) == len(expected)
    sources = "upserts and the tags route" if tag_route else "upserts"
    print(f"\nraces [{backend}]: tag additions by {sources}, {ROUNDS} rounds x "
          f"{len(upserts)} concurrent")  # fmt: skip


async def _field(api: Api, name: str) -> str:
    response = await api.post("/v1/custom-fields/", json={"name": name, "dataType": "TEXT"})
    assert response.status_code == 200, response.text
    field_id: str = response.json()["id"]
    return field_id


async def test_concurrent_deletes_updates_and_bookings_of_one_contact(
    app: Starlette, api: Api, backend: str
) -> None:
    field_id = await _field(api, f"Race {secrets.token_hex(3)}")
    calendar = (await api.post("/v1/calendars/", json={"name": "Race"})).json()["calendar"]
    for round_ in range(ROUNDS):
        contact = await api.make_contact(tags=["a"], customField={field_id: "v"})
        contact_id, email = contact["id"], contact["email"]
        url = f"/v1/contacts/{contact_id}"
        work: list[tuple[str, Awaitable[httpx.Response]]] = []
        for i in range(4):
            # A slot of its own each: only the race with the contact's delete is tested here.
            slot = f"2021-06-2{i}T10:00:00Z"
            booking = {"calendarId": calendar["id"], "contactId": contact_id,
                       "selectedSlot": slot, "selectedTimezone": "UTC"}  # fmt: skip
            work.append(("delete", api.delete(url)))
            change = {"firstName": f"P{i}", "tags": [f"p{i}"], "customField": {field_id: "p"}}
            work.append(("put", api.put(url, json=change)))
            work.append(("get", api.get(url)))
            work.append(("book", api.post("/v1/appointments/", json=booking)))
            work.append(("upsert", api.post("/v1/contacts/", json={"email": email})))
        responses = await together([request for _, request in work])
        outcomes = Counter(
            (kind, r.status_code) for (kind, _), r in zip(work, responses, strict=True)
        )
        for (kind, _), response in zip(work, responses, strict=True):
            if kind == "upsert":  # a match deleted meanwhile means a new contact: never a 422
                assert response.status_code == 200, response.text
            elif response.status_code != 200:
                assert response.status_code == 422, response.text
                assert set(response.json()) in ({"id"}, {"contactId"}), response.text
        assert outcomes[("delete", 200)] == 1, outcomes
        assert (await api.get(url)).status_code == 422
        # Nothing of the deleted contact is left behind (tags, values, appointments).
        leftovers = [row for rows in (await stored(app, api.location_id)).values()
                     for row in rows if contact_id in row]  # fmt: skip
        assert leftovers == [], round_
    print(f"\nraces [{backend}]: deletes/updates/reads/bookings/upserts of one contact, "
          f"{ROUNDS} rounds x {len(work)} concurrent")  # fmt: skip


async def test_concurrent_custom_field_value_writes(api: Api, backend: str) -> None:
    fields = [await _field(api, f"Value {i} {secrets.token_hex(3)}") for i in range(CONCURRENCY)]
    for round_ in range(ROUNDS):
        contact = await api.make_contact()
        url = f"/v1/contacts/{contact['id']}"
        # Each request sets a different field, and all of them race on the first one.
        writes = [api.put(url, json={"customField": {fields[i]: f"r{round_}-{i}",
                                                     fields[0]: f"shared-{i}"}})
                  for i in range(1, CONCURRENCY)]  # fmt: skip
        responses = await together(writes)
        assert {r.status_code for r in responses} == {200}
        values = {v["id"]: v["value"] for v in
                  (await api.get(url)).json()["contact"]["customField"]}  # fmt: skip
        assert {values[fields[i]] for i in range(1, CONCURRENCY)} == {
            f"r{round_}-{i}" for i in range(1, CONCURRENCY)
        }
        assert values[fields[0]] in {f"shared-{i}" for i in range(1, CONCURRENCY)}
    print(f"\nraces [{backend}]: custom field value writes, {ROUNDS} rounds x "
          f"{CONCURRENCY - 1} concurrent")  # fmt: skip


async def test_values_written_while_their_field_is_deleted(api: Api, backend: str) -> None:
    contacts = [await api.make_contact() for _ in range(CONCURRENCY)]
    for _ in range(ROUNDS):
        field_id = await _field(api, f"Doomed {secrets.token_hex(4)}")
        work: list[Awaitable[httpx.Response]] = [
            api.put(f"/v1/contacts/{c['id']}", json={"customField": {field_id: "x"}})
            for c in contacts
        ]
        work.insert(CONCURRENCY // 2, api.delete(f"/v1/custom-fields/{field_id}"))
        responses = await together(work)
        assert {r.status_code for r in responses} == {200}
        for contact in contacts:
            read = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
            assert all(value["id"] != field_id for value in read["customField"])
    print(f"\nraces [{backend}]: value writes racing their field's delete, {ROUNDS} rounds x "
          f"{CONCURRENCY + 1} concurrent")  # fmt: skip
