"""Custom fields through HTTP: definitions, typed values on contacts, and the cascades."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.factories import Api, make_location

# `dateType` repeats `dataType`, as v1's documented answers spell it.
FIELD_KEYS = {
    "id",
    "name",
    "fieldKey",
    "placeholder",
    "position",
    "dataType",
    "dateType",
    "picklistOptions",
}
OPTIONS = ["Red", "Green", "Blue"]


async def make_field(
    api: Api, data_type: str, name: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = {"name": name or f"{data_type.title()} Field", "dataType": data_type, **extra}
    response = await api.post("/v1/custom-fields/", json=body)
    assert response.status_code == 200, response.text
    field: dict[str, Any] = response.json()
    return field


def values_of(contact: dict[str, Any]) -> dict[str, Any]:
    return {item["id"]: item["value"] for item in contact["customField"]}


async def test_create_list_get_update_delete(api: Api) -> None:
    created = await make_field(
        api, "SINGLE_OPTIONS", "Favourite Colour", placeholder="Pick one", options=OPTIONS
    )
    assert set(created) == FIELD_KEYS
    assert created["fieldKey"] == "contact.favourite_colour"
    assert created["dataType"] == created["dateType"] == "SINGLE_OPTIONS"
    assert created["picklistOptions"] == OPTIONS
    assert created["placeholder"] == "Pick one"
    assert created["position"] == 0
    second = await make_field(api, "TEXT", "lastContactedVia")
    assert second["fieldKey"] == "contact.last_contacted_via"
    assert second["position"] == 1 and second["picklistOptions"] == []

    listed = await api.get("/v1/custom-fields")
    assert listed.status_code == 200
    assert listed.json() == {"customFields": [created, second]}
    assert (await api.get(f"/v1/custom-fields/{created['id']}/")).json() == created

    updated = await api.put(
        f"/v1/custom-fields/{created['id']}",
        json={"name": "Colour", "options": ["Red", "Black"], "position": 5},
    )
    assert updated.status_code == 200, updated.text
    field = updated.json()
    # Sent keys change; the key stays what it was, so integrations writing by key still work.
    assert field == {**created, "name": "Colour", "picklistOptions": ["Red", "Black"],
                     "position": 5}  # fmt: skip

    deleted = await api.delete(f"/v1/custom-fields/{created['id']}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert (await api.get("/v1/custom-fields/")).json() == {"customFields": [second]}


async def test_unknown_and_other_locations_fields_are_invalid_ids(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    other = await make_location(app, http)
    theirs = await make_field(other, "TEXT")
    expected = {"customFieldId": {"message": "The custom field id is invalid.", "rule": "invalid"}}
    for field_id in (theirs["id"], "nope"):
        for method, body in (("GET", None), ("PUT", {"name": "x"}), ("DELETE", None)):
            response = await api.request(method, f"/v1/custom-fields/{field_id}", json=body)
            assert response.status_code == 422, (method, response.text)
            assert response.json() == expected
    assert (await api.get("/v1/custom-fields/")).json() == {"customFields": []}


async def test_create_validation(api: Api) -> None:
    response = await api.post("/v1/custom-fields/", json={"placeholder": 3})
    assert response.status_code == 422
    errors = response.json()
    assert errors["name"]["rule"] == "required"
    assert errors["dataType"]["rule"] == "required"
    assert errors["placeholder"]["rule"] == "invalid"

    bad_type = await api.post("/v1/custom-fields/", json={"name": "A", "dataType": "COLOUR"})
    assert bad_type.status_code == 422 and bad_type.json()["dataType"]["rule"] == "invalid"

    no_options = await api.post("/v1/custom-fields/", json={"name": "A", "dataType": "CHECKBOX"})
    assert no_options.status_code == 422
    assert no_options.json() == {
        "options or acceptedFormat or textBoxListOptions": {
            "message": "The options or acceptedFormat or textBoxListOptions field is mandatory.",
            "rule": "required",
        }
    }
    for body in (
        {"name": "!!!", "dataType": "TEXT"},
        {"name": "A", "dataType": "TEXT", "position": -1},
        {"name": "A", "dataType": "SINGLE_OPTIONS", "options": "Red"},
    ):
        response = await api.post("/v1/custom-fields/", json=body)
        assert response.status_code == 422, body
    assert (await api.get("/v1/custom-fields/")).json() == {"customFields": []}


async def test_field_key_is_unique_in_the_location(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    await make_field(api, "TEXT", "Lead Source")
    taken = await api.post("/v1/custom-fields/", json={"name": "lead-source", "dataType": "DATE"})
    assert taken.status_code == 422
    assert taken.json()["name"]["rule"] == "duplicate"
    # Another location has its own keys.
    other = await make_location(app, http)
    assert (await make_field(other, "TEXT", "Lead Source"))["fieldKey"] == "contact.lead_source"


# (dataType, extra create keys, good value, value read back, bad value)
DATA_TYPE_CASES: list[tuple[str, dict[str, Any], Any, Any, Any]] = [
    ("TEXT", {}, "  hello  ", "hello", {"not": "text"}),
    ("LARGE_TEXT", {}, "line 1\nline 2", "line 1\nline 2", ["a"]),
    ("NUMERICAL", {}, "42", 42, "forty-two"),
    ("FLOAT", {}, 2.5, 2.5, True),
    ("MONETORY", {}, "19.99", 19.99, "$19.99"),
    ("PHONE", {}, "(888) 732-4197", "+18887324197", "call me"),
    ("CHECKBOX", {"options": OPTIONS}, ["red", "Blue"], ["Red", "Blue"], ["Purple"]),
    ("MULTIPLE_OPTIONS", {"options": OPTIONS}, "Green", ["Green"], 7),
    ("SINGLE_OPTIONS", {"options": OPTIONS}, "Blue", "Blue", "Purple"),
    ("DATE", {}, "2021-06-23", 1624406400000, "23/06/2021"),
    ("TIME", {}, "9:30", "09:30", "25:00"),
    ("TEXTBOX_LIST", {}, ["first", "", "second"], ["first", "second"], "first"),
    ("FILE_UPLOAD", {}, "https://files.example.com/a.pdf", "https://files.example.com/a.pdf",
     "not a url"),
    ("SIGNATURE", {}, "https://files.example.com/s.png", "https://files.example.com/s.png", 12),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data_type", "extra", "good", "stored", "bad"),
    DATA_TYPE_CASES,
    ids=[case[0] for case in DATA_TYPE_CASES],
)
async def test_each_data_type_takes_a_good_value_and_refuses_a_bad_one(
    api: Api, data_type: str, extra: dict[str, Any], good: Any, stored: Any, bad: Any
) -> None:
    field = await make_field(api, data_type, **extra)
    contact = await api.make_contact(customField={field["id"]: good})
    assert contact["customField"] == [{"id": field["id"], "value": stored}]
    read = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
    assert read["customField"] == [{"id": field["id"], "value": stored}]

    # A bad value is a 422 keyed by the field and changes nothing, on update and on create.
    response = await api.put(
        f"/v1/contacts/{contact['id']}",
        json={"firstName": "Changed", "customField": {field["id"]: bad}},
    )
    assert response.status_code == 422, response.text
    assert list(response.json()) == [f"customField.{field['id']}"]
    assert response.json()[f"customField.{field['id']}"]["rule"] == "invalid"
    after = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
    assert after == read
    created = await api.post(
        "/v1/contacts/",
        json={"email": "bad-value@example.com", "customField": {field["fieldKey"]: bad}},
    )
    assert created.status_code == 422
    lookup = await api.get("/v1/contacts/lookup", params={"email": "bad-value@example.com"})
    assert lookup.json() == {"contacts": []}


async def test_date_accepts_date_times_and_its_own_epoch_ms(api: Api) -> None:
    field = await make_field(api, "DATE")
    contact = await api.make_contact(customField={field["id"]: "2021-06-23T03:30:00+01:00"})
    assert values_of(contact) == {field["id"]: 1624415400000}
    same = await api.put(f"/v1/contacts/{contact['id']}", json={"customField": values_of(contact)})
    assert values_of(same.json()["contact"]) == {field["id"]: 1624415400000}


async def test_values_by_key_null_clears_unknown_ignored_and_upsert_merges(api: Api) -> None:
    text = await make_field(api, "TEXT", "Nickname")
    number = await make_field(api, "NUMERICAL", "Score")
    contact = await api.make_contact(
        email="jo@example.com",
        customField={"contact.nickname": "Jo", number["id"]: 7, "__custom_field_id__": "x"},
    )
    assert values_of(contact) == {text["id"]: "Jo", number["id"]: 7}

    # The upsert changes only the sent values.
    upserted = await api.post(
        "/v1/contacts/", json={"email": "JO@example.com", "customField": {number["id"]: 8}}
    )
    assert upserted.json()["new"] is False
    assert values_of(upserted.json()["contact"]) == {text["id"]: "Jo", number["id"]: 8}

    cleared = await api.put(
        f"/v1/contacts/{contact['id']}", json={"customField": {text["fieldKey"]: None}}
    )
    assert cleared.status_code == 200
    assert cleared.json()["contact"]["customField"] == [{"id": number["id"], "value": 8}]


async def test_every_failing_field_is_reported_together(api: Api) -> None:
    number = await make_field(api, "NUMERICAL")
    phone = await make_field(api, "PHONE")
    response = await api.post(
        "/v1/contacts/",
        json={
            "email": "not an email",
            "customField": {number["id"]: "many", phone["fieldKey"]: "nope"},
        },
    )
    assert response.status_code == 422
    assert set(response.json()) == {"email", f"customField.{number['id']}",
                                    f"customField.{phone['id']}"}  # fmt: skip


async def test_deleting_a_field_removes_its_values_from_every_contact(api: Api) -> None:
    doomed = await make_field(api, "TEXT", "Doomed")
    kept = await make_field(api, "TEXT", "Kept")
    values = {doomed["id"]: "x", kept["id"]: "y"}
    first = await api.make_contact(customField=values)
    second = await api.make_contact(customField=values)
    assert (await api.delete(f"/v1/custom-fields/{doomed['id']}")).status_code == 200
    for contact in (first, second):
        read = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]
        assert read["customField"] == [{"id": kept["id"], "value": "y"}]


async def test_deleting_a_contact_removes_its_values(api: Api) -> None:
    field = await make_field(api, "TEXT")
    contact = await api.make_contact(customField={field["id"]: "x"})
    assert (await api.delete(f"/v1/contacts/{contact['id']}")).status_code == 200
    # With no values left, the data type may change.
    changed = await api.put(f"/v1/custom-fields/{field['id']}", json={"dataType": "NUMERICAL"})
    assert changed.status_code == 200 and changed.json()["dataType"] == "NUMERICAL"


async def test_data_type_is_fixed_while_contacts_hold_values(api: Api) -> None:
    field = await make_field(api, "TEXT")
    await api.make_contact(customField={field["id"]: "x"})
    response = await api.put(f"/v1/custom-fields/{field['id']}", json={"dataType": "DATE"})
    assert response.status_code == 422 and response.json()["dataType"]["rule"] == "invalid"
    to_options = await api.put(
        f"/v1/custom-fields/{(await make_field(api, 'DATE'))['id']}",
        json={"dataType": "SINGLE_OPTIONS"},
    )
    assert to_options.status_code == 422
    assert to_options.json()["options or acceptedFormat or textBoxListOptions"]["rule"] == (
        "required"
    )


async def test_review_edge_values_are_422_not_500(api: Api) -> None:
    number = await make_field(api, "NUMERICAL")
    huge = await api.post(
        "/v1/contacts/", json={"email": "n@example.com", "customField": {number["id"]: "1" * 5000}}
    )
    assert huge.status_code == 422
    assert huge.json()[f"customField.{number['id']}"]["rule"] == "invalid"

    options = await make_field(api, "MULTIPLE_OPTIONS", options=["a", "b"])
    many = await api.post(
        "/v1/contacts/",
        json={"email": "m@example.com", "customField": {options["id"]: ["a"] * 1001}},
    )
    assert many.status_code == 422
    assert many.json()[f"customField.{options['id']}"]["rule"] == "max"

    superscript = await api.post(
        "/v1/custom-fields/", json={"name": "Sup", "dataType": "TEXT", "position": "²"}
    )
    assert superscript.status_code == 422 and "position" in superscript.json()
    calendar = await api.post("/v1/calendars/", json={"name": "Sup", "slotDuration": "²"})
    assert calendar.status_code == 422 and "slotDuration" in calendar.json()
    found = await api.get("/v1/contacts/lookup", params={"email": "n@example.com"})
    assert found.json() == {"contacts": []}
