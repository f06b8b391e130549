"""Contract section 11 and the review's findings, through HTTP: keys before bodies, the daily
quota, a contact's tag cap, equivalent emails, impossible phones, control characters in a
query, and a health check that tells a database outage apart."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from contactapi.app import create_app
from contactapi.settings import Settings
from tests.factories import Api, make_location


async def test_a_bad_key_is_refused_before_the_body_is_read(api: Api) -> None:
    headers = {"Authorization": "Bearer capi_not-a-key", "Content-Type": "application/json"}
    # Not JSON: read first, this was a 400.
    refused = await api.http.post("/v1/contacts/", content=b"{not json", headers=headers)
    assert refused.status_code == 401
    oversized = await api.http.post("/v1/contacts/", content=b"x" * 2_000_000, headers=headers)
    assert oversized.status_code == 401


async def test_the_daily_quota_is_announced_and_enforced(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, rate_limit="off", daily_limit="3",
                        run_worker=False, state_dir=str(tmp_path))  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://quota") as client:
            api = await make_location(app, client)
            other = await make_location(app, client)
            answers = [await api.get("/v1/contacts/") for _ in range(4)]
            assert [a.status_code for a in answers] == [200, 200, 200, 429]
            remaining = [a.headers["x-ratelimit-daily-remaining"] for a in answers]
            assert remaining == ["2", "1", "0", "0"]
            assert {a.headers["x-ratelimit-limit-daily"] for a in answers} == {"3"}
            assert answers[3].json() == {"msg": "Too Many Requests"}
            assert (await other.get("/v1/contacts/")).status_code == 200


async def test_a_contact_carries_at_most_1000_tags(api: Api) -> None:
    contact = await api.make_contact(tags=[f"tag-{n}" for n in range(1000)])
    assert len(contact["tags"]) == 1000
    more = await api.post(f"/v1/contacts/{contact['id']}/tags/", json={"tags": ["one-more"]})
    assert more.status_code == 422
    assert more.json()["tags"]["rule"] == "max"
    upsert = await api.post("/v1/contacts/", json={"email": contact["email"], "tags": ["x"]})
    assert upsert.status_code == 422 and upsert.json()["tags"]["rule"] == "max"
    # Re-sending tags it has already is no change, and removing makes room again.
    assert (
        await api.post(f"/v1/contacts/{contact['id']}/tags/", json={"tags": ["tag-1"]})
    ).status_code == 200
    removed = await api.delete(f"/v1/contacts/{contact['id']}/tags/", json={"tags": ["tag-0"]})
    assert removed.status_code == 200
    again = await api.post(f"/v1/contacts/{contact['id']}/tags/", json={"tags": ["one-more"]})
    assert again.status_code == 200
    found = await api.get("/v1/contacts/", params={"query": "one-more"})
    assert [c["id"] for c in found.json()["contacts"]] == [contact["id"]]


# "example" in full-width letters.
FULL_WIDTH_EXAMPLE = "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (unicodedata.normalize("NFC", "josé@example.com"),
         unicodedata.normalize("NFD", "josé@example.com")),
        ("ana@example.com", "ana@" + FULL_WIDTH_EXAMPLE + ".com"),
        ("b@bücher.de", "B@xn--bcher-kva.de"),
    ],
)  # fmt: skip
async def test_equivalent_spellings_of_an_email_are_one_contact(
    api: Api, first: str, second: str
) -> None:
    one = (await api.post("/v1/contacts/", json={"email": first})).json()
    two = (await api.post("/v1/contacts/", json={"email": second})).json()
    assert two["new"] is False and two["contact"]["id"] == one["contact"]["id"]
    found = await api.get("/v1/contacts/lookup", params={"email": second})
    assert [c["id"] for c in found.json()["contacts"]] == [one["contact"]["id"]]


@pytest.mark.parametrize("phone", ["+1 000 000 0000", "+1 555 000 0000", "+44 0000 000000"])
async def test_phones_that_cannot_exist_are_422(api: Api, phone: str) -> None:
    response = await api.post("/v1/contacts/", json={"email": "p@example.com", "phone": phone})
    assert response.status_code == 422
    assert response.json()["phone"]["rule"] == "invalid"


@pytest.mark.parametrize("query", ["\x1f", "a\x1fb", "\x01", "\x1e"])
async def test_control_characters_in_a_query_match_nothing_special(api: Api, query: str) -> None:
    await api.make_contact(name="Ann Smith", companyName="Acme")
    await api.make_contact(name="Bob Jones", tags=["a", "b"])
    listed = await api.get("/v1/contacts/", params={"query": query})
    assert listed.status_code == 200
    assert listed.json()["contacts"] == [] and listed.json()["meta"]["total"] == 0


async def test_health_is_503_while_the_database_is_down_and_recovers(
    app: Starlette, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = app.state.db
    real_run = db.run
    failures = {"left": 2}

    async def flaky_run(*args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise (
                ConnectionRefusedError(111, "Connection refused")
                if failures["left"]
                else sqlite3.OperationalError("unable to open database file")
            )
        return await real_run(*args, **kwargs)

    monkeypatch.setattr(db, "run", flaky_run)
    first, second, third = [await http.get("/health") for _ in range(3)]
    assert first.status_code == second.status_code == 503
    assert first.json() == {"status": "unavailable"}
    assert third.status_code == 200 and third.json() == {"status": "ok"}


async def test_searches_run_off_the_event_loop_thread(
    api: Api, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search may scan a location: on SQLite it runs on a slow-read thread, so the event
    loop's thread goes on serving others (PostgreSQL's driver never holds that thread)."""
    from contactapi.contacts import service

    threads: list[int] = []
    real = service.list_contacts

    async def recording(*args: Any) -> Any:
        threads.append(threading.get_ident())
        return await real(*args)

    monkeypatch.setattr(service, "list_contacts", recording)
    await api.make_contact(name="Thread Probe")
    found = await api.get("/v1/contacts/", params={"query": "p"})
    assert found.json()["meta"]["total"] == 1
    assert len(threads) == 1
    on_loop = threads[0] == threading.get_ident()
    assert on_loop is (backend == "postgresql")


async def _walk(api: Api, path: str, key: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a list, page by page."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        response = await api.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()[key]
        assert len(page) <= limit
        items.extend(page)
        if len(page) < limit:
            return items
        params["startAfterId"] = page[-1]["id"]


@pytest.mark.parametrize(
    ("path", "key", "body"),
    [
        ("/v1/custom-fields/", "customFields", lambda n: {"name": f"Field {n}",
                                                          "dataType": "TEXT"}),
        ("/v1/calendars/", "calendars", lambda n: {"name": f"Calendar {n}"}),
        ("/v1/workflows/", "workflows", lambda n: {"name": f"Workflow {n}"}),
        ("/v1/campaigns/", "campaigns", lambda n: {"name": f"Campaign {n}"}),
    ],
)  # fmt: skip
async def test_whole_lists_page_with_limit_and_start_after_id(
    api: Api, path: str, key: str, body: Any
) -> None:
    for n in range(7):
        assert (await api.post(path, json=body(n))).status_code == 200
    whole = (await api.get(path)).json()[key]
    assert len(whole) == 7
    walked = await _walk(api, path, key, limit=3)
    assert [item["id"] for item in walked] == [item["id"] for item in whole]
    bad = await api.get(path, params={"limit": "1001"})
    assert bad.status_code == 422 and bad.json()["limit"]["rule"] == "invalid"
    unknown = await api.get(path, params={"startAfterId": "nosuchid"})
    assert unknown.status_code == 422 and "startAfterId" in unknown.json()


async def test_tags_in_use_page_by_name(api: Api) -> None:
    await api.make_contact(tags=[f"t{n:02d}" for n in range(25)])
    whole = (await api.get("/v1/tags/")).json()["tags"]
    assert [t["name"] for t in whole] == [f"t{n:02d}" for n in range(25)]
    walked = await _walk(api, "/v1/tags/", "tags", limit=10)
    assert walked == whole


async def test_a_location_holds_at_most_1000_custom_fields(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contactapi.custom_fields import service

    monkeypatch.setattr(service, "MAX_CUSTOM_FIELDS", 3)
    for n in range(3):
        body = {"name": f"Capped {n}", "dataType": "TEXT"}
        assert (await api.post("/v1/custom-fields/", json=body)).status_code == 200
    refused = await api.post("/v1/custom-fields/", json={"name": "One more", "dataType": "TEXT"})
    assert refused.status_code == 422 and refused.json()["customField"]["rule"] == "max"
    assert len((await api.get("/v1/custom-fields/")).json()["customFields"]) == 3


async def test_custom_field_values_and_options_are_at_most_64_kib(api: Api) -> None:
    field = (
        await api.post("/v1/custom-fields/", json={"name": "Notes blob", "dataType": "LARGE_TEXT"})
    ).json()
    listed = await api.post("/v1/custom-fields/", json={"name": "Many", "dataType": "TEXTBOX_LIST"})
    many = listed.json()
    fits = await api.post(
        "/v1/contacts/", json={"email": "v@example.com", "customField": {field["id"]: "x" * 60_000}}
    )
    assert fits.status_code == 200
    too_big = await api.post(
        "/v1/contacts/",
        json={"email": "w@example.com", "customField": {many["id"]: ["y" * 2000] * 40}},
    )
    assert too_big.status_code == 422, too_big.text
    options = await api.post(
        "/v1/custom-fields/",
        json={
            "name": "Huge picklist",
            "dataType": "SINGLE_OPTIONS",
            "options": [f"{n:03d}" + "z" * 250 for n in range(300)],
        },
    )
    assert options.status_code == 422 and options.json()["options"]["rule"] == "max"


async def test_one_locations_flood_of_searches_leaves_room_for_anothers(
    app: Starlette, http: httpx.AsyncClient, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slow-read threads (SQLite) and pool connections (PostgreSQL) are shared: one
    location runs at most two searches at once, so its flood leaves room for another's."""
    from contactapi.contacts import service

    flooder, other = await make_location(app, http), await make_location(app, http)
    now_running, most_running = [0], [0]
    real = service.list_contacts

    async def slow(conn: Any, location_id: str, query: Any) -> Any:
        if location_id == flooder.location_id:
            now_running[0] += 1
            most_running[0] = max(most_running[0], now_running[0])
            # Half a second in the database's time: a PostgreSQL sleep, or the SQLite slow-read
            # thread's own.
            if backend == "postgresql":
                await conn.fetch_value("SELECT pg_sleep(0.5)")
            else:
                time.sleep(0.5)
            now_running[0] -= 1
        return await real(conn, location_id, query)

    monkeypatch.setattr(service, "list_contacts", slow)
    floods = [asyncio.ensure_future(flooder.get("/v1/contacts/", params={"query": "x"}))
              for _ in range(6)]  # fmt: skip
    await asyncio.sleep(0.1)
    answer = await asyncio.wait_for(other.get("/v1/contacts/", params={"query": "x"}), 5)
    assert answer.status_code == 200
    assert not all(f.done() for f in floods), "the other location did not wait for the flood"
    assert [(await f).status_code for f in floods] == [200] * 6
    assert most_running[0] == 2
