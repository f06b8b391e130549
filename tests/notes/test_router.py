"""A contact's notes through HTTP: v1's bare objects, newest first, the contact's only."""

from __future__ import annotations

import asyncio

from tests.factories import Api


async def test_notes_are_created_listed_newest_first_updated_and_deleted(api: Api) -> None:
    contact = await api.make_contact()
    base = f"/v1/contacts/{contact['id']}/notes"
    first = await api.post(f"{base}/", json={"body": "First call"})
    assert first.status_code == 200
    note = first.json()
    assert set(note) == {"id", "body", "createdBy", "createdAt"}
    assert note["body"] == "First call" and note["createdBy"] is None
    await asyncio.sleep(0.002)  # a later millisecond: newest first is then certain
    second = (await api.post(base, json={"body": "Second call"})).json()
    listed = (await api.get(f"{base}/")).json()["notes"]
    assert [n["id"] for n in listed] == [second["id"], note["id"]]
    assert (await api.get(f"{base}/{note['id']}")).json() == note
    changed = await api.put(f"{base}/{note['id']}/", json={"body": "Rewritten"})
    assert (
        changed.json()["body"] == "Rewritten" and changed.json()["createdAt"] == note["createdAt"]
    )
    deleted = await api.delete(f"{base}/{note['id']}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert [n["id"] for n in (await api.get(base)).json()["notes"]] == [second["id"]]


async def test_v1s_422s(api: Api) -> None:
    contact = await api.make_contact()
    base = f"/v1/contacts/{contact['id']}/notes/"
    missing = await api.post(base, json={"userId": "x"})
    assert missing.status_code == 422
    assert missing.json()["body"] == {"message": "The body field is mandatory.", "rule": "required"}
    # A user that is not one of the location's: refused, keyed by userId.
    unknown_user = await api.post(base, json={"body": "b", "userId": "GCs5KuzPqTls7vWclkEV"})
    assert unknown_user.status_code == 422 and unknown_user.json()["userId"]["rule"] == "invalid"
    no_contact = await api.post("/v1/contacts/nosuchcontact0000000/notes/", json={"body": "b"})
    assert no_contact.status_code == 422 and "contactId" in no_contact.json()


async def test_a_note_is_reached_only_through_its_own_contact(api: Api) -> None:
    owner, other = await api.make_contact(), await api.make_contact()
    note = (await api.post(f"/v1/contacts/{owner['id']}/notes/", json={"body": "b"})).json()
    wrong = await api.get(f"/v1/contacts/{other['id']}/notes/{note['id']}")
    assert wrong.status_code == 422 and wrong.json()["noteId"]["rule"] == "invalid"


async def test_notes_page_and_go_with_their_contact(api: Api) -> None:
    contact = await api.make_contact()
    base = f"/v1/contacts/{contact['id']}/notes/"
    made = [(await api.post(base, json={"body": f"n{i}"})).json()["id"] for i in range(5)]
    whole = (await api.get(base)).json()["notes"]
    assert sorted(n["id"] for n in whole) == sorted(made)
    assert [n["createdAt"] for n in whole] == sorted((n["createdAt"] for n in whole), reverse=True)
    first = (await api.get(base, params={"limit": 2})).json()["notes"]
    rest = (await api.get(base, params={"limit": 10, "startAfterId": first[-1]["id"]})).json()
    assert first + rest["notes"] == whole
    assert (await api.delete(f"/v1/contacts/{contact['id']}")).status_code == 200
    gone = await api.get(f"{base}{made[0]}")
    assert gone.status_code == 422
