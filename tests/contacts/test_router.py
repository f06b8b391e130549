"""Contacts through HTTP: create-or-update, read, update, delete, lookup."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette

from tests.factories import Api, make_location

CONTACT_KEYS = {
    "id", "locationId", "contactName", "firstName", "lastName", "firstNameLowerCase",
    "lastNameLowerCase", "fullNameLowerCase", "email", "emailLowerCase", "phone", "companyName",
    "address1", "city", "state", "postalCode", "country", "website", "timezone", "dateOfBirth",
    "dnd", "type", "source", "assignedTo", "fingerprint", "tags", "customField", "dateAdded",
    "dateUpdated",
}  # fmt: skip

REFERENCE_BODY = {
    "email": "john@deo.com",
    "phone": "+18887324197",
    "firstName": "John",
    "lastName": "Deo",
    "name": "John Deo",
    "dateOfBirth": "1990-09-25",
    "address1": "3535 1st St N",
    "city": "Dolomite",
    "state": "AL",
    "country": "US",
    "postalCode": "35061",
    "companyName": "DGS VolMAX",
    "website": "35061",
    "tags": ["aute consequat ad ea", "dolor sed"],
    "source": "public api",
    "customField": {"__custom_field_id__": "exercitation"},
}


async def test_reference_create_example_sent_as_curl_sends_it(api: Api) -> None:
    # curl --data-raw sends application/x-www-form-urlencoded; the body is JSON all the same.
    import orjson

    response = await api.post(
        "/v1/contacts/",
        content=orjson.dumps(REFERENCE_BODY),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["new"] is True
    contact = body["contact"]
    assert set(contact) == CONTACT_KEYS
    assert contact["locationId"] == api.location_id
    assert len(contact["id"]) == 20 and contact["id"].isalnum()
    assert contact["email"] == "john@deo.com"
    assert contact["phone"] == "+18887324197"
    assert contact["contactName"] == "John Deo"
    assert contact["fullNameLowerCase"] == "john deo"
    assert contact["tags"] == ["aute consequat ad ea", "dolor sed"]
    assert contact["dnd"] is False and contact["type"] == "lead"
    assert contact["timezone"] is None
    assert contact["dateAdded"].endswith("Z") and len(contact["dateAdded"]) == 24


async def test_new_ids_follow_creation_order_with_a_random_part(api: Api) -> None:
    # Ordered ids land at the end of the (location, id) indexes; the last 12 characters are
    # random, so an id is still not guessable from another.
    ids = []
    for _ in range(4):
        ids.append((await api.make_contact())["id"])
        await asyncio.sleep(0.003)  # the time part counts milliseconds
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert all(len(i) == 20 and i.isascii() and i.isalnum() for i in ids)
    assert len({i[8:] for i in ids}) == 4 and len({i[:8] for i in ids}) == 4


async def test_trailing_slash_optional_without_redirect(api: Api) -> None:
    created = await api.make_contact()
    for path in (f"/v1/contacts/{created['id']}", f"/v1/contacts/{created['id']}/"):
        response = await api.get(path)
        assert response.status_code == 200
        assert response.json()["contact"]["id"] == created["id"]
    response = await api.post("/v1/contacts", json={"email": "slash@example.com"})
    assert response.status_code == 200


async def test_upsert_matches_email_case_insensitively_and_adds_tags(api: Api) -> None:
    first = await api.post(
        "/v1/contacts/", json={"email": "Mixed@Example.com", "tags": ["One"], "city": "Austin"}
    )
    second = await api.post(
        "/v1/contacts/", json={"email": "mixed@example.COM", "tags": ["two", "one"], "state": "TX"}
    )
    assert first.json()["new"] is True and second.json()["new"] is False
    contact = second.json()["contact"]
    assert contact["id"] == first.json()["contact"]["id"]
    assert contact["tags"] == ["one", "two"]
    assert contact["city"] == "Austin" and contact["state"] == "TX"
    # email keeps the case it was last sent with
    assert contact["email"] == "mixed@example.COM"
    assert contact["emailLowerCase"] == "mixed@example.com"


async def test_upsert_matches_phone_in_e164(api: Api) -> None:
    first = await api.post("/v1/contacts/", json={"phone": "(888) 732-4197"})
    assert first.json()["contact"]["phone"] == "+18887324197"
    second = await api.post("/v1/contacts/", json={"phone": "+1 888 732 4197", "firstName": "A"})
    assert second.json()["new"] is False
    assert second.json()["contact"]["id"] == first.json()["contact"]["id"]
    assert second.json()["contact"]["firstName"] == "A"


async def test_email_match_wins_over_phone_match(api: Api) -> None:
    by_phone = await api.make_contact(email=None, phone="+18887320001")
    by_email = await api.make_contact(email="winner@example.com")
    response = await api.post(
        "/v1/contacts/", json={"email": "winner@example.com", "phone": "+18887320001"}
    )
    assert response.json()["contact"]["id"] == by_email["id"] != by_phone["id"]


async def test_location_allowing_duplicates_always_creates(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    api = await make_location(app, http, allow_duplicates=True)
    ids = set()
    for _ in range(2):
        response = await api.post("/v1/contacts/", json={"email": "dup@example.com"})
        assert response.json()["new"] is True
        ids.add(response.json()["contact"]["id"])
    assert len(ids) == 2
    found = await api.get("/v1/contacts/lookup", params={"email": "dup@example.com"})
    assert len(found.json()["contacts"]) == 2


async def test_location_country_parses_national_numbers(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    api = await make_location(app, http, country="DE")
    response = await api.post("/v1/contacts/", json={"phone": "030 12345678"})
    assert response.json()["contact"]["phone"] == "+493012345678"


async def test_name_rules(api: Api) -> None:
    only_name = await api.make_contact(name="Mary Ann Smith")
    assert (only_name["firstName"], only_name["lastName"]) == ("Mary", "Ann Smith")
    assert only_name["contactName"] == "Mary Ann Smith"
    parts = await api.make_contact(firstName="Ada", lastName="Lovelace")
    assert parts["contactName"] == "Ada Lovelace"
    both = await api.make_contact(name="Wrong Name", firstName="Right", lastName="One")
    assert (both["firstName"], both["lastName"], both["contactName"]) == (
        "Right",
        "One",
        "Right One",
    )
    single = await api.make_contact(name="Cher")
    assert (single["firstName"], single["lastName"]) == ("Cher", None)


async def test_email_or_phone_required(api: Api) -> None:
    for body in ({}, {"firstName": "x"}, {"email": None, "phone": ""}):
        response = await api.post("/v1/contacts/", json=body)
        assert response.status_code == 422
        assert response.json() == {
            "email or phone": {
                "message": "The email or phone field is mandatory.",
                "rule": "required",
            }
        }


async def test_each_invalid_field_is_reported_under_its_key(api: Api) -> None:
    response = await api.post(
        "/v1/contacts/",
        json={
            "email": "not-an-email",
            "phone": "12",
            "country": "XX",
            "timezone": "Mars/Base",
            "website": "not a url",
            "dateOfBirth": "1990-13-45",
            "dnd": "maybe",
            "type": "vip",
            "tags": "a,b",
            "city": 42,
            "firstName": "x" * 300,
            "customField": ["nope"],
        },
    )
    assert response.status_code == 422
    errors = response.json()
    assert set(errors) == {
        "email", "phone", "country", "timezone", "website", "dateOfBirth", "dnd", "type", "tags",
        "city", "firstName", "customField",
    }  # fmt: skip
    assert errors["email"] == {
        "message": "The email must be a valid email address.",
        "rule": "invalid",
    }
    assert errors["firstName"]["rule"] == "max"
    assert all(set(entry) == {"message", "rule"} for entry in errors.values())


async def test_valid_optional_fields_are_normalised(api: Api) -> None:
    contact = await api.make_contact(
        country="de", timezone="Asia/Calcutta", website="https://example.com/x", dnd=True,
        type="customer", dateOfBirth="2000-02-29", tags=["  VIP ", "vip", "", "Gold"],
    )  # fmt: skip
    assert contact["country"] == "DE"
    assert contact["timezone"] == "Asia/Calcutta"
    assert contact["website"] == "https://example.com/x"
    assert contact["dnd"] is True and contact["type"] == "customer"
    assert contact["dateOfBirth"] == "2000-02-29"
    assert contact["tags"] == ["vip", "gold"]


async def test_get_unknown_and_other_locations_contacts_look_the_same(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    mine = await api.make_contact()
    other = await make_location(app, http)
    expected = {"id": {"message": "The contact id is invalid.", "rule": "invalid"}}
    for response in (
        await other.get(f"/v1/contacts/{mine['id']}"),
        await other.put(f"/v1/contacts/{mine['id']}", json={"city": "X"}),
        await other.delete(f"/v1/contacts/{mine['id']}"),
        await api.get("/v1/contacts/doesNotExist00000000"),
    ):
        assert response.status_code == 422
        assert response.json() == expected
    assert (await api.get(f"/v1/contacts/{mine['id']}")).json()["contact"]["city"] is None
    lookup = await other.get("/v1/contacts/lookup", params={"email": mine["email"]})
    assert lookup.json() == {"contacts": []}


async def test_put_changes_sent_fields_null_clears_tags_replace(api: Api) -> None:
    contact = await api.make_contact(
        phone="+18887324100", city="Austin", state="TX", tags=["a", "b"], firstName="Old"
    )
    response = await api.put(
        f"/v1/contacts/{contact['id']}", json={"city": None, "tags": ["C"], "lastName": "New"}
    )
    assert response.status_code == 200
    updated = response.json()["contact"]
    assert updated["city"] is None and updated["state"] == "TX"
    assert updated["tags"] == ["c"]
    assert updated["contactName"] == "Old New"
    assert updated["dateAdded"] == contact["dateAdded"]
    assert updated["dateUpdated"] >= contact["dateUpdated"]


async def test_put_refuses_to_leave_neither_email_nor_phone(api: Api) -> None:
    contact = await api.make_contact()
    response = await api.put(f"/v1/contacts/{contact['id']}", json={"email": None})
    assert response.status_code == 422
    assert "email or phone" in response.json()
    assert (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]["email"] == contact[
        "email"
    ]


async def test_put_refuses_another_contacts_email_or_phone(api: Api) -> None:
    taken = await api.make_contact(email="taken@example.com", phone="+18887324111")
    contact = await api.make_contact()
    response = await api.put(
        f"/v1/contacts/{contact['id']}", json={"email": "TAKEN@example.com", "phone": "8887324111"}
    )
    assert response.status_code == 422
    assert response.json()["email"]["rule"] == "duplicate"
    assert response.json()["phone"]["rule"] == "duplicate"
    assert taken["id"] != contact["id"]


async def test_delete_then_gone(api: Api) -> None:
    contact = await api.make_contact(tags=["x"])
    response = await api.delete(f"/v1/contacts/{contact['id']}")
    assert response.status_code == 200 and response.content == b""
    assert (await api.get(f"/v1/contacts/{contact['id']}")).status_code == 422
    assert (await api.delete(f"/v1/contacts/{contact['id']}")).status_code == 422


async def test_lookup_email_then_phone(api: Api) -> None:
    contact = await api.make_contact(email="look@example.com", phone="+4915123456789")
    by_email = await api.get("/v1/contacts/lookup", params={"email": "LOOK@example.com"})
    assert [c["id"] for c in by_email.json()["contacts"]] == [contact["id"]]
    by_phone = await api.get(
        "/v1/contacts/lookup", params={"email": "no@x.com", "phone": "+4915123456789"}
    )
    assert [c["id"] for c in by_phone.json()["contacts"]] == [contact["id"]]
    # The reference's URL leaves `+` unencoded: it arrives as a space.
    raw = await api.get("/v1/contacts/lookup?email=no@x.com&phone=+4915123456789")
    assert [c["id"] for c in raw.json()["contacts"]] == [contact["id"]]
    none = await api.get("/v1/contacts/lookup", params={"email": "nobody@example.com"})
    assert none.status_code == 200 and none.json() == {"contacts": []}
    neither = await api.get("/v1/contacts/lookup")
    assert neither.status_code == 422 and "email or phone" in neither.json()


async def test_twenty_concurrent_identical_creates_leave_one_contact(api: Api) -> None:
    body = {"email": "race@example.com", "tags": ["r"]}
    responses = await asyncio.gather(*(api.post("/v1/contacts/", json=body) for _ in range(20)))
    assert all(r.status_code == 200 for r in responses)
    assert len({r.json()["contact"]["id"] for r in responses}) == 1
    assert sum(r.json()["new"] for r in responses) == 1
    found = await api.get("/v1/contacts/lookup", params={"email": "race@example.com"})
    assert len(found.json()["contacts"]) == 1


async def test_unknown_top_level_fields_are_ignored(api: Api) -> None:
    response = await api.post(
        "/v1/contacts/", json={"email": "extra@example.com", "__moreField__": 1, "id": "forged"}
    )
    assert response.status_code == 200
    assert response.json()["contact"]["id"] != "forged"
