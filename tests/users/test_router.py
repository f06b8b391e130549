"""Users through HTTP: v1's object, passwords kept only as Argon2 hashes, and who may reach
whom (a location key: its location's users; an agency key: its own and its locations')."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from argon2 import PasswordHasher
from starlette.applications import Starlette

from contactapi.users.schemas import PERMISSION_DEFAULTS
from tests.factories import make_agency, make_agency_location, make_location


def user_body(location_ids: list[str], **fields: Any) -> dict[str, Any]:
    return {"firstName": "John", "lastName": "Deo", "email": f"u-{secrets.token_hex(4)}@deo.com",
            "type": "account", "role": "user", "locationIds": location_ids, **fields}  # fmt: skip


async def stored_user(app: Starlette, user_id: str) -> dict[str, Any]:
    row = await app.state.db.run(
        lambda conn: conn.fetch_one("SELECT * FROM users WHERE id = $1", user_id), write=False
    )
    return dict(row)


async def test_an_agency_creates_a_user_whose_password_is_only_a_hash(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    agency = await make_agency(app, http)
    branch = await make_agency_location(agency)
    body = user_body([branch.location_id], password="correct horse", role="admin",
                     permissions={"websitesEnabled": True})  # fmt: skip
    created = await agency.post("/v1/users/", json=body)
    assert created.status_code == 200, created.text
    user = created.json()
    assert set(user) == {"id", "firstName", "lastName", "email", "roles", "permissions"}
    assert user["roles"] == {"type": "account", "role": "admin",
                             "locationIds": [branch.location_id]}  # fmt: skip
    assert user["permissions"] == {**PERMISSION_DEFAULTS, "websitesEnabled": True}
    assert "correct horse" not in created.text
    row = await stored_user(app, user["id"])
    assert row["password_hash"].startswith("$argon2id$")
    assert PasswordHasher().verify(row["password_hash"], "correct horse")
    assert "correct horse" not in str(row)
    # The location's key sees its user, in each of v1's ways.
    assert (await branch.get(f"/v1/users/{user['id']}")).json() == user
    assert (await branch.get("/v1/users/")).json() == {"users": [user]}
    assert (await branch.get("/v1/users/location")).json() == {"users": [user]}
    found = await branch.get("/v1/users/lookup", params={"email": body["email"].upper()})
    assert found.json() == user
    # A PUT without a password keeps it; with one, replaces it.
    renamed = await agency.put(f"/v1/users/{user['id']}", json={**body, "password": None,
                                                                "firstName": "Jane"})  # fmt: skip
    assert renamed.status_code == 200 and renamed.json()["firstName"] == "Jane"
    assert (await stored_user(app, user["id"]))["password_hash"] == row["password_hash"]
    await agency.put(f"/v1/users/{user['id']}", json={**body, "password": "new one"})
    assert PasswordHasher().verify((await stored_user(app, user["id"]))["password_hash"], "new one")


async def test_v1s_422s_and_a_duplicate_email(app: Starlette, http: httpx.AsyncClient) -> None:
    api = await make_location(app, http)
    empty = await api.post("/v1/users/", json={})
    assert empty.status_code == 422
    assert {k: v["rule"] for k, v in empty.json().items()} == {
        "firstName": "required", "lastName": "required", "email": "required",
        "type": "required", "role": "required", "locationIds": "required",
    }  # fmt: skip
    bad = await api.post(
        "/v1/users/",
        json=user_body(
            "x",
            type="robot",  # type: ignore[arg-type]
            permissions={"contactsEnabled": "yes"},
        ),
    )
    assert {k: v["rule"] for k, v in bad.json().items()} == {
        "type": "invalid", "locationIds": "invalid", "permissions": "invalid"}  # fmt: skip
    body = user_body([api.location_id])
    assert (await api.post("/v1/users/", json=body)).status_code == 200
    again = await api.post("/v1/users/", json={**body, "email": body["email"].upper()})
    assert again.status_code == 422 and again.json()["email"]["rule"] == "duplicate"
    # Another location's users are its own: the same email is no clash there.
    other = await make_location(app, http)
    assert (await other.post("/v1/users/", json={**body, "locationIds": [other.location_id]})
            ).status_code == 200  # fmt: skip


async def test_a_location_key_reaches_its_own_users_only(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    agency = await make_agency(app, http)
    first, second = await make_agency_location(agency), await make_agency_location(agency)
    own = (await first.post("/v1/users/", json=user_body([first.location_id]))).json()
    shared = (await agency.post(
        "/v1/users/", json=user_body([first.location_id, second.location_id]))).json()  # fmt: skip
    # A location key names its own location only.
    elsewhere = await first.post("/v1/users/", json=user_body([second.location_id]))
    assert elsewhere.status_code == 422 and "locationIds" in elsewhere.json()
    # A user shared with another location is the agency's to change.
    refused = await first.put(f"/v1/users/{shared['id']}", json=user_body([first.location_id]))
    assert refused.status_code == 422 and refused.json()["userId"]["rule"] == "invalid"
    assert (await first.delete(f"/v1/users/{shared['id']}")).status_code == 422
    # Another location's key reaches neither its users nor their emails.
    stranger = await make_location(app, http)
    for user in (own, shared):
        assert (await stranger.get(f"/v1/users/{user['id']}")).status_code == 422
        lookup = await stranger.get("/v1/users/lookup", params={"email": user["email"]})
        assert lookup.status_code == 422 and lookup.json()["email"]["rule"] == "invalid"
        assert (
            await stranger.put(f"/v1/users/{user['id']}", json=user_body([stranger.location_id]))
        ).status_code == 422
    assert (await stranger.get("/v1/users/")).json() == {"users": []}
    # The agency lists them all, or one location's.
    everyone = (await agency.get("/v1/users/")).json()["users"]
    assert {u["id"] for u in everyone} == {own["id"], shared["id"]}
    of_second = await agency.get("/v1/users/", params={"locationId": second.location_id})
    assert [u["id"] for u in of_second.json()["users"]] == [shared["id"]]
    foreign = await agency.get("/v1/users/", params={"locationId": stranger.location_id})
    assert foreign.status_code == 422 and "locationId" in foreign.json()
    assert (await agency.get("/v1/users/location")).status_code == 422  # which location?
    # An agency names only its own locations.
    outside = await agency.post("/v1/users/", json=user_body([stranger.location_id]))
    assert outside.status_code == 422 and "locationIds" in outside.json()


async def test_notes_and_tasks_name_users_of_the_location(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    api, other = await make_location(app, http), await make_location(app, http)
    user = (await api.post("/v1/users/", json=user_body([api.location_id]))).json()
    outsider = (await other.post("/v1/users/", json=user_body([other.location_id]))).json()
    contact = await api.make_contact()
    notes = f"/v1/contacts/{contact['id']}/notes/"
    note = await api.post(notes, json={"body": "call back", "userId": user["id"]})
    assert note.status_code == 200 and note.json()["createdBy"] == user["id"]
    foreign = await api.post(notes, json={"body": "x", "userId": outsider["id"]})
    assert foreign.status_code == 422 and foreign.json()["userId"]["rule"] == "invalid"
    task = {"title": "Call", "dueDate": "2020-10-25T11:00:00Z"}
    tasks = f"/v1/contacts/{contact['id']}/tasks/"
    assigned = await api.post(tasks, json={**task, "assignedTo": user["id"]})
    assert assigned.status_code == 200 and assigned.json()["assignedTo"] == user["id"]
    # Deleted, the user is no longer one of the location's.
    deleted = await api.delete(f"/v1/users/{user['id']}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert (await api.get(f"/v1/users/{user['id']}")).status_code == 422
    late = await api.post(tasks, json={**task, "assignedTo": user["id"]})
    assert late.status_code == 422 and late.json()["assignedTo"]["rule"] == "invalid"


async def test_users_page(app: Starlette, http: httpx.AsyncClient) -> None:
    api = await make_location(app, http)
    made = [(await api.post("/v1/users/", json=user_body([api.location_id]))).json()["id"]
            for _ in range(5)]  # fmt: skip
    first = (await api.get("/v1/users/", params={"limit": 2})).json()["users"]
    rest = (await api.get("/v1/users/", params={"startAfterId": first[-1]["id"]})).json()["users"]
    walked = [u["id"] for u in first + rest]
    assert len(walked) == len(made) and set(walked) == set(made)  # each once (oldest first)
    unknown = await api.get("/v1/users/", params={"startAfterId": "nosuchuser0000000000"})
    assert unknown.status_code == 422 and "startAfterId" in unknown.json()


async def test_after_a_location_moves_neither_agency_changes_the_other_s_users(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    from contactapi.locations.service import update_location

    a, b = await make_agency(app, http), await make_agency(app, http)
    stays, moved = await make_agency_location(a), await make_agency_location(a)
    shared = (await a.post("/v1/users/", json=user_body([stays.location_id,
                                                         moved.location_id]))).json()  # fmt: skip
    local = (await moved.post("/v1/users/", json=user_body([moved.location_id]))).json()
    await app.state.db.run(
        lambda conn: update_location(conn, moved.location_id, None, None, b.location_id),
        write=True,
    )
    # Each agency is told only of its own locations, and changes neither shared user.
    assert (await a.get(f"/v1/users/{shared['id']}")).json()["roles"]["locationIds"] == [
        stays.location_id
    ]
    assert (await b.get(f"/v1/users/{shared['id']}")).json()["roles"]["locationIds"] == [
        moved.location_id
    ]
    for agency in (a, b):
        put = await agency.put(f"/v1/users/{shared['id']}", json=user_body([]))
        assert put.status_code == 422 and put.json()["userId"]["rule"] == "invalid"
        assert (await agency.delete(f"/v1/users/{shared['id']}")).status_code == 422
    # The moved location's own user went with it: the new agency's to change, not the old's.
    assert (await a.get(f"/v1/users/{local['id']}")).status_code == 422
    renamed = await b.put(f"/v1/users/{local['id']}",
                          json=user_body([moved.location_id], firstName="Moved"))  # fmt: skip
    assert renamed.status_code == 200, renamed.text
