"""Hostile input: every answer is a 4xx in the contract's shape, never a 500, and a rejected
request writes nothing.

The routes come from the OpenAPI document, so routes merged later are covered too: every
body-taking operation gets every field of its body sent with the wrong JSON type, too long,
with a NUL byte, and bodies that are not JSON at all; every path parameter gets odd ids; every
query parameter gets SQL and LIKE metacharacters.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette

from contactapi.web.http import MAX_BODY_BYTES
from tests.factories import Api
from tests.records import (
    NOT_IDS,
    SLOT,
    Operation,
    Records,
    body_properties,
    make_records,
    operations,
    stored,
)

RULES = {"required", "invalid", "max", "duplicate"}
MESSAGES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large"}  # fmt: skip

BODY_OPERATIONS = [op for op in operations() if op.takes_body]
PATH_OPERATIONS = [op for op in operations() if op.params]
QUERY_OPERATIONS = [
    op for op in operations() if any(p["in"] == "query" for p in op.spec.get("parameters", []))
]

SQL_AND_LIKE = ["%", "_", "%%", "\\", "\\%", "' OR 1=1 --", "' OR '1'='1", "*", "[a-z]%",
                "\"; DROP TABLE contacts; --", "1; SELECT pg_sleep(5)",
                "a%' ESCAPE '\\"]  # fmt: skip
ODD_IDS = ["x" * 5000, "ünïcødé-名前", "😀", "\x00", "a\x00b", "..", ".", "' OR 1=1 --", "%",
           "_", "*", "1; DROP TABLE contacts", "\\", "%00", "$1", "null"]  # fmt: skip
# A value of every JSON type, by the JSON Schema type it is.
SAMPLES: dict[str, list[Any]] = {
    "string": ["not-a-number"],
    "integer": [7],
    "number": [1.5],
    "boolean": [True],
    "object": [{"a": 1}],
    "array": [["a"]],
}


def assert_rejected(response: httpx.Response, key: str | None = None) -> None:
    """A 4xx in the contract's shape; for a 422, keyed by `key` when given."""
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code in (400, 404, 405, 413, 422), (
        f"{where}: {response.status_code} {response.text[:300]}"
    )
    body = response.json()
    if response.status_code != 422:
        assert body["msg"] == MESSAGES[response.status_code], where
        assert set(body) <= {"msg", "detail"}, where
        return
    assert isinstance(body, dict) and body, where
    for entry in body.values():
        assert set(entry) == {"message", "rule"}, where
        assert isinstance(entry["message"], str) and entry["rule"] in RULES, where
    if key is not None:
        assert key in body, f"{where}: 422 not keyed {key!r}: {body}"


def types_of(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    names = {declared} if isinstance(declared, str) else set(declared)
    if "number" in names:
        names.add("integer")
    return names


def wrong_values(schema: dict[str, Any]) -> list[Any]:
    """Values of every JSON type the field does not take, and lists of wrong items."""
    allowed = types_of(schema)
    values = [value for kind, samples in SAMPLES.items() if kind not in allowed
              for value in samples]  # fmt: skip
    if "array" in allowed and "string" in types_of(schema.get("items", {})):
        values += [[7], [{"a": 1}], [["nested"]], [True]]
    return values


def string_fields(op: Operation) -> list[str]:
    return [name for name, schema in body_properties(op).items() if "string" in types_of(schema)]


def string_list_fields(op: Operation) -> list[str]:
    return [
        name
        for name, schema in body_properties(op).items()
        if "array" in types_of(schema) and "string" in types_of(schema.get("items", {}))
    ]


async def send(api: Api, op: Operation, records: Records, **kwargs: Any) -> httpx.Response:
    caller = records.caller(op.path)
    return await caller.request(op.method.upper(), records.path(op.path), **kwargs)


@pytest.fixture
async def records(api: Api) -> Records:
    return await make_records(api)


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=str)
async def test_every_field_of_the_wrong_type_is_a_422_keyed_by_it(
    app: Starlette, api: Api, records: Records, op: Operation
) -> None:
    before = await stored(app, api.location_id)
    for name, schema in body_properties(op).items():
        for value in wrong_values(schema):
            response = await send(api, op, records, json={name: value})
            assert_rejected(response, name)
            assert response.status_code == 422, response.text
    assert await stored(app, api.location_id) == before


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=str)
async def test_every_string_too_long_or_with_nul_is_a_422_keyed_by_it(
    app: Starlette, api: Api, records: Records, op: Operation
) -> None:
    before = await stored(app, api.location_id)
    # Past every limit (the largest, a LARGE_TEXT value, is 64 KiB), up to just under 1 MiB.
    near_limit = "x" * (MAX_BODY_BYTES - 200)
    hostile = ["x" * 70_000, near_limit, "a\x00b", "\x00"]
    for name in string_fields(op):
        for value in hostile:
            response = await send(api, op, records, json={name: value})
            assert_rejected(response, name)
            assert response.status_code == 422, response.text
    for name in string_list_fields(op):
        for value in hostile:
            response = await send(api, op, records, json={name: [value]})
            assert_rejected(response, name)
        response = await send(api, op, records, json={name: ["t"] * 50_000})
        assert_rejected(response, name)
    assert await stored(app, api.location_id) == before


NOT_JSON_OBJECTS = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"email": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"name": "\xff\xfe"}',
    b'{"name": "\xed\xa0\x80"}',  # a surrogate, UTF-8 encoded: not valid UTF-8
    b'{"name": "\\ud800"}',  # a lone surrogate, escaped
    b'{"name": "\\udc00x", "email": "a@example.com"}',
    b"\x00",
    b'{"email": "a@example.com"}\x00',
    b'{"email": "a@example.com"} {}',
    b"\xef\xbb\xbf\xef\xbb\xbf{}",
    b"null",
    b"NaN",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": 1e999999}',
    b"'{}'",
]


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=str)
async def test_bodies_that_are_not_json_objects_are_400_and_oversize_413(
    app: Starlette, api: Api, records: Records, op: Operation
) -> None:
    before = await stored(app, api.location_id)
    for raw in NOT_JSON_OBJECTS:
        response = await send(api, op, records, content=raw)
        assert_rejected(response)
        assert response.status_code == 400, (raw[:40], response.text)
    oversize = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await send(api, op, records, content=oversize)
    assert (response.status_code, response.json()) == (413, {"msg": "Payload Too Large"})
    assert await stored(app, api.location_id) == before


# Already percent-encoded: invalid UTF-8 (a UTF-8-encoded surrogate, 0xFF, an overlong dot).
RAW_ODD_IDS = ["%ED%A0%80", "%FF%FE", "%C0%AE%C0%AE", "%25", "%2500"]


def encoded(odd_id: str) -> str:
    # Dots too, so `..` reaches the server as an id rather than being resolved by the client.
    return quote(odd_id, safe="").replace(".", "%2E")


@pytest.mark.parametrize("op", PATH_OPERATIONS, ids=str)
async def test_odd_path_ids_are_a_422_keyed_by_the_parameter(
    app: Starlette, api: Api, records: Records, op: Operation
) -> None:
    before = await stored(app, api.location_id)
    for param in op.params:
        for odd in [*map(encoded, ODD_IDS), *RAW_ODD_IDS]:
            url = records.path(op.path.replace("{" + param + "}", "\x01")).replace("\x01", odd)
            kwargs: dict[str, Any] = {"json": {}} if op.takes_body else {}
            response = await records.caller(op.path).request(op.method.upper(), url, **kwargs)
            if param in NOT_IDS and response.status_code == 200:
                continue  # a slug: any value is answered
            assert_rejected(response, param)
            assert response.status_code == 422, (odd[:20], response.text)
            if param not in NOT_IDS:
                assert response.json()[param]["message"].endswith(" id is invalid.")
    assert await stored(app, api.location_id) == before


@pytest.mark.parametrize("op", QUERY_OPERATIONS, ids=str)
async def test_sql_and_like_metacharacters_in_query_parameters_match_nothing(
    app: Starlette, api: Api, records: Records, op: Operation
) -> None:
    before = await stored(app, api.location_id)
    names = [p["name"] for p in op.spec["parameters"] if p["in"] == "query"]
    # The other parameters name the location's records, so a 422 is this parameter's.
    valid = records.query(op)
    for name in names:
        for value in [*SQL_AND_LIKE, "\x00", "a\x00b", "x" * 5000]:
            response = await send(api, op, records, params={**valid, name: value})
            assert response.status_code != 500, response.text
            if response.status_code >= 400:
                assert_rejected(response, name)
                continue
            # None of the location's records holds a metacharacter: a filter that treated
            # one as a wildcard, or as SQL, would answer some of them.
            for record_id in records.ids.values():
                assert record_id not in response.text, (name, value, response.text[:300])
    assert await stored(app, api.location_id) == before


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=str)
async def test_sql_and_like_metacharacters_in_string_fields_never_500(
    api: Api, records: Records, op: Operation
) -> None:
    for name in [*string_fields(op), *string_list_fields(op)]:
        for value in SQL_AND_LIKE:
            sent = [value] if name in string_list_fields(op) else value
            response = await send(api, op, records, json={name: sent})
            assert response.status_code != 500, response.text
            if response.status_code != 200:
                assert_rejected(response)


async def test_metacharacters_are_stored_verbatim_and_match_only_themselves(api: Api) -> None:
    tricky = {"firstName": "' OR 1=1 --", "lastName": "%_\\", "companyName": "'; DROP TABLE x; --",
              "tags": ["%", "_", "a'b"]}  # fmt: skip
    made = await api.make_contact(email="a_b%c@example.com", **tricky)
    assert (made["firstName"], made["lastName"]) == ("' OR 1=1 --", "%_\\")
    assert made["companyName"] == "'; DROP TABLE x; --"
    assert made["tags"] == ["%", "_", "a'b"]
    found = await api.get("/v1/contacts/lookup", params={"email": "A_B%C@example.com"})
    assert [c["id"] for c in found.json()["contacts"]] == [made["id"]]
    for pattern in ["aXb%c@example.com", "a_bXc@example.com", "%", "_%"]:
        response = await api.get("/v1/contacts/lookup", params={"email": pattern})
        assert response.json() == {"contacts": []}, pattern


async def test_unknown_custom_field_keys_with_nul_are_ignored(api: Api) -> None:
    made = await api.make_contact(customField={"a\x00b": "x", "\x00": "y"})
    assert made["customField"] == []


@pytest.mark.parametrize("slot", ["9999-12-31T23:59:00Z", "0001-01-01T00:00:00+01:00"])
async def test_slots_past_what_a_timestamp_can_render_are_422(
    app: Starlette, api: Api, records: Records, slot: str
) -> None:
    before = await stored(app, api.location_id)
    booking = {"calendarId": records.ids["calendar"], "contactId": records.ids["contact"],
               "selectedSlot": slot, "selectedTimezone": "UTC"}  # fmt: skip
    assert_rejected(await api.post("/v1/appointments/", json=booking), "selectedSlot")
    url = f"/v1/appointments/{records.ids['appointment']}"
    assert_rejected(await api.put(url, json={"selectedSlot": slot}), "selectedSlot")
    assert await stored(app, api.location_id) == before


async def test_a_rejected_booking_leaves_no_contact_behind(app: Starlette, api: Api) -> None:
    """Booking finds or creates the contact before the booking's own checks fail."""
    records = await make_records(api)
    before = await stored(app, api.location_id)
    booking = {"calendarId": records.ids["calendar"], "selectedSlot": SLOT,
               "selectedTimezone": "UTC", "email": "new-person@example.com",
               "title": 5}  # fmt: skip
    assert_rejected(await api.post("/v1/appointments/", json=booking), "title")
    assert await stored(app, api.location_id) == before
    found = await api.get("/v1/contacts/lookup", params={"email": "new-person@example.com"})
    assert found.json() == {"contacts": []}
