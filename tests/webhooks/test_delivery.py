"""Webhooks through HTTP, delivered to a real local receiver: every event type with GHL's and
Standard Webhooks' signatures, nothing for a rejected change, retries that keep the event's
`webhookId`, 410 disabling, one contact's events in commit order, and a hanging receiver that
delays no other."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette

from contactapi.jobs import JOB_HANDLERS
from contactapi.queue.worker import Worker
from contactapi.webhooks import policy
from contactapi.webhooks.dispatcher import Dispatcher
from contactapi.webhooks.events import EVENT_TYPES
from tests.factories import Api, make_location
from tests.webhooks.receiver import Receiver, receiver

OURS = [t for t in EVENT_TYPES if not t.startswith(("Opportunity", "Appointment"))]


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "allow_private", True)


@pytest.fixture(autouse=True)
async def only_this_tests_deliveries(app: Starlette) -> None:
    """Other tests' records subscribe too (tests/records.py): their deliveries are given up
    here, so a dispatcher run by this test sends this test's events only."""

    async def give_up(conn: Any) -> None:
        await conn.execute(
            "UPDATE webhook_deliveries SET status = 'failed' WHERE status IN ('pending', 'queued')"
        )

    await app.state.db.run(give_up, write=True)


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as found:
        yield found


async def subscribe(api: Api, url: str, events: list[str]) -> dict[str, Any]:
    made = await api.post("/v1/webhooks/", json={"url": url, "events": events})
    assert made.status_code == 200, made.text
    webhook: dict[str, Any] = made.json()["webhook"]
    return webhook


def dispatcher(app: Starlette) -> Dispatcher:
    return Dispatcher(app.state.db, allow_private=True)


def verify(public_keys: dict[str, str], secret: str, headers: dict[str, str], body: bytes) -> None:
    rsa_key = serialization.load_pem_public_key(public_keys["rsa"].encode())
    ed_key = serialization.load_pem_public_key(public_keys["ed25519"].encode())
    assert isinstance(rsa_key, rsa.RSAPublicKey) and isinstance(ed_key, ed25519.Ed25519PublicKey)
    rsa_key.verify(base64.b64decode(headers["x-wh-signature"]), body, padding.PKCS1v15(),
                   hashes.SHA256())  # fmt: skip
    ed_key.verify(base64.b64decode(headers["x-ghl-signature"]), body)
    Webhook(secret).verify(body, headers)


async def test_each_event_arrives_once_with_valid_signatures(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    webhook = await subscribe(api, f"{hooks.base_url}/ok", OURS)
    assert webhook["secret"].startswith("whsec_")
    contact = await api.make_contact(firstName="Ann", tags=["buyer"])
    cid = contact["id"]
    await api.put(f"/v1/contacts/{cid}", json={"firstName": "Anna"})
    await api.post(f"/v1/contacts/{cid}/tags/", json={"tags": ["vip"]})
    await api.put(f"/v1/contacts/{cid}", json={"dnd": True})
    note = (await api.post(f"/v1/contacts/{cid}/notes/", json={"body": "hi"})).json()
    await api.put(f"/v1/contacts/{cid}/notes/{note['id']}", json={"body": "hello"})
    await api.delete(f"/v1/contacts/{cid}/notes/{note['id']}")
    task = (
        await api.post(
            f"/v1/contacts/{cid}/tasks/", json={"title": "Call", "dueDate": "2020-10-25T11:00:00Z"}
        )
    ).json()
    await api.put(f"/v1/contacts/{cid}/tasks/{task['id']}/status", json={"status": "completed"})
    await api.delete(f"/v1/contacts/{cid}/tasks/{task['id']}")
    workflow = await api.post("/v1/workflows/", json={"name": "W", "status": "published"})
    await api.post(f"/v1/contacts/{cid}/workflow/{workflow.json()['workflow']['id']}", json={})
    await Worker(app.state.db, JOB_HANDLERS).run_until_idle()
    await api.delete(f"/v1/contacts/{cid}")
    assert await dispatcher(app).run_until_idle() == 13
    got = hooks.at("/ok")
    # One contact's events, so in the order they were committed.
    assert [item.json["type"] for item in got] == [
        "ContactCreate", "ContactUpdate", "ContactTagUpdate", "ContactUpdate", "ContactDndUpdate",
        "NoteCreate", "NoteUpdate", "NoteDelete", "TaskCreate", "TaskComplete", "TaskDelete",
        "ContactWorkflowEnrolled", "ContactDelete",
    ]  # fmt: skip
    public_keys = (await api.get("/v1/webhooks/public-keys")).json()
    ids = set()
    for item in got:
        body = item.json
        assert body["locationId"] == api.location_id and body["timestamp"].endswith("Z")
        ids.add(body["webhookId"])
        verify(public_keys, webhook["secret"], item.headers, item.body)
    assert len(ids) == len(got)  # one id per event
    created = next(item.json for item in got if item.json["type"] == "ContactCreate")
    assert created["id"] == cid and created["firstName"] == "Ann" and created["tags"] == ["buyer"]
    completed = next(item.json for item in got if item.json["type"] == "TaskComplete")
    assert completed["contactId"] == cid and completed["completed"] is True
    # A tampered body fails each signature.
    tampered = got[0].body + b" "
    with pytest.raises(InvalidSignature):
        verify(public_keys, webhook["secret"], got[0].headers, tampered)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook["secret"]).verify(tampered, got[0].headers)


async def test_a_rejected_change_sends_nothing(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    await subscribe(api, f"{hooks.base_url}/ok", OURS)
    assert (await api.post("/v1/contacts/", json={"email": "not-an-email"})).status_code == 422
    assert await dispatcher(app).run_until_idle() == 0
    assert hooks.at("/ok") == []


async def test_a_retry_keeps_the_webhook_id_and_410_disables(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    flaky = await subscribe(api, f"{hooks.base_url}/flaky", ["ContactCreate"])
    gone = await subscribe(api, f"{hooks.base_url}/status/410", ["ContactCreate"])
    await api.make_contact()
    assert await dispatcher(app).run_until_idle() == 2
    listed = (await api.get(f"/v1/webhooks/{flaky['id']}/deliveries")).json()
    delivery = listed["deliveries"][0]
    assert delivery["status"] == "pending" and delivery["attempts"][0]["statusCode"] == 500
    assert delivery["nextAttemptAt"] is not None and listed["meta"]["total"] == 1
    retried = await api.post(f"/v1/webhooks/{flaky['id']}/deliveries/{delivery['id']}/retry")
    assert retried.status_code == 200
    assert await dispatcher(app).run_until_idle() == 1
    first, second = hooks.at("/flaky")
    assert first.json["webhookId"] == second.json["webhookId"] and first.body == second.body
    done = (await api.get(f"/v1/webhooks/{flaky['id']}/deliveries")).json()["deliveries"][0]
    assert done["status"] == "succeeded" and [a["statusCode"] for a in done["attempts"]] == [
        500, 200]  # fmt: skip
    # The 410 disabled its subscription: later events are not queued for it.
    assert (await api.get(f"/v1/webhooks/{gone['id']}")).json()["webhook"]["disabled"] is True
    await api.make_contact()
    assert await dispatcher(app).run_until_idle() == 1  # the flaky one's new event only
    assert len(hooks.at("/status/410")) == 1


async def test_one_contact_s_events_arrive_in_commit_order(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    await subscribe(api, f"{hooks.base_url}/ok", ["ContactUpdate"])
    contact = await api.make_contact()
    await asyncio.gather(*(api.put(f"/v1/contacts/{contact['id']}", json={"city": f"c{i}"})
                           for i in range(15)))  # fmt: skip
    final = (await api.get(f"/v1/contacts/{contact['id']}")).json()["contact"]["city"]

    async def committed(conn: Any) -> list[str]:
        rows = await conn.fetch_all(
            "SELECT event_id FROM webhook_deliveries WHERE location_id = $1 ORDER BY seq",
            api.location_id)  # fmt: skip
        return [row["event_id"] for row in rows]

    order = await app.state.db.run(committed, write=False)
    # Two dispatchers at once, as two worker processes would be.
    await asyncio.gather(dispatcher(app).run_until_idle(), dispatcher(app).run_until_idle())
    got = hooks.at("/ok")
    assert [item.json["webhookId"] for item in got] == order
    assert got[-1].json["city"] == final


async def test_a_hanging_receiver_delays_no_other(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    await subscribe(api, f"{hooks.base_url}/hang/4", ["ContactCreate"])
    await subscribe(api, f"{hooks.base_url}/ok", ["ContactCreate"])
    running = dispatcher(app)
    task = asyncio.create_task(running.run())
    started = time.monotonic()
    await api.make_contact()
    while not hooks.at("/ok") and time.monotonic() - started < 3:
        await asyncio.sleep(0.02)
    assert hooks.at("/ok"), "the healthy receiver waited for the hanging one"
    assert hooks.at("/ok")[0].at - started < 1.5
    running.stop()
    await task


async def test_private_targets_are_refused_unless_allowed(
    app: Starlette, api: Api, hooks: Receiver
) -> None:
    for url in (
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
        "http://10.0.0.1/",
        "ftp://example.com/",
    ):
        refused = await api.post("/v1/webhooks/", json={"url": url, "events": ["ContactCreate"]})
        assert refused.status_code == 422 and "url" in refused.json(), url
    # A name is checked where it resolves, at delivery: localhost.localdomain-like names too.
    policy.allow_private = True
    try:
        await subscribe(api, hooks.base_url.replace("127.0.0.1", "ip6-localhost-none.invalid")
                        + "/ok", ["ContactCreate"])  # fmt: skip
        webhook = await subscribe(api, f"{hooks.base_url}/ok", ["ContactCreate"])
    finally:
        policy.allow_private = False
    await api.make_contact()
    strict = Dispatcher(app.state.db, allow_private=False)
    assert await strict.run_until_idle() >= 2  # the name that does not resolve may retry
    assert hooks.at("/ok") == []
    listed = (await api.get(f"/v1/webhooks/{webhook['id']}/deliveries")).json()["deliveries"]
    assert listed[0]["attempts"][0]["error"].startswith("refused:")


async def test_subscriptions_are_managed_and_secrets_shown_once(
    api: Api, allow_private: None
) -> None:
    made = await subscribe(api, "https://example.com/hook", ["ContactCreate"])
    got = (await api.get(f"/v1/webhooks/{made['id']}/")).json()["webhook"]
    assert "secret" not in got and got["url"] == "https://example.com/hook"
    changed = await api.put(f"/v1/webhooks/{made['id']}", json={"events": ["NoteCreate"]})
    assert changed.json()["webhook"]["events"] == ["NoteCreate"]
    assert changed.json()["webhook"]["url"] == "https://example.com/hook"
    bad = await api.post("/v1/webhooks", json={"url": "https://e.com", "events": ["Nope"]})
    assert bad.status_code == 422 and bad.json()["events"]["rule"] == "invalid"
    assert [w["id"] for w in (await api.get("/v1/webhooks")).json()["webhooks"]] == [made["id"]]
    assert (await api.delete(f"/v1/webhooks/{made['id']}")).status_code == 200
    assert (await api.get(f"/v1/webhooks/{made['id']}")).status_code == 422


async def test_opportunity_and_appointment_events(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    wanted = [t for t in EVENT_TYPES if t.startswith(("Opportunity", "Appointment"))]
    await subscribe(api, f"{hooks.base_url}/ok", wanted)
    contact = await api.make_contact()
    pipeline = (await api.post("/v1/pipelines/", json={
        "name": "Sales", "stages": [{"name": "New"}, {"name": "Won"}]})).json()  # fmt: skip
    new, won = (stage["id"] for stage in pipeline["stages"])
    base = f"/v1/pipelines/{pipeline['id']}/opportunities"
    made = await api.post(f"{base}/", json={"title": "Deal", "status": "open", "stageId": new,
                                            "contactId": contact["id"]})  # fmt: skip
    assert made.status_code == 200, made.text
    deal = made.json()
    moved = await api.put(f"{base}/{deal['id']}/status", json={"status": "won", "stageId": won})
    assert moved.status_code == 200, moved.text
    await api.delete(f"{base}/{deal['id']}")
    calendar = (await api.post("/v1/calendars/", json={"name": "Viewings"})).json()["calendar"]
    booked = await api.post("/v1/appointments/", json={
        "calendarId": calendar["id"], "contactId": contact["id"],
        "selectedSlot": "2030-06-03T10:00:00Z", "selectedTimezone": "UTC"})  # fmt: skip
    assert booked.status_code == 200, booked.text
    appointment = booked.json()
    await api.put(f"/v1/appointments/{appointment['id']}/status", json={"status": "cancelled"})
    await api.delete(f"/v1/appointments/{appointment['id']}")
    await dispatcher(app).run_until_idle()
    got = [item.json for item in hooks.at("/ok")]
    assert [body["type"] for body in got] == [
        "OpportunityCreate", "OpportunityUpdate", "OpportunityStatusUpdate",
        "OpportunityStageUpdate", "OpportunityDelete", "AppointmentCreate", "AppointmentUpdate",
        "AppointmentDelete",
    ]  # fmt: skip
    assert got[0]["id"] == deal["id"] and got[0]["contactId"] == contact["id"]
    assert got[2]["status"] == "won" and got[3]["pipelineStageId"] == won
    assert got[5]["appointment"]["id"] == appointment["id"]
    assert got[6]["appointment"]["status"] == "cancelled"


async def test_finished_deliveries_are_pruned_after_the_retention(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    from contactapi.webhooks import dispatcher as dispatching

    webhook = await subscribe(api, f"{hooks.base_url}/ok", ["ContactCreate"])
    await api.make_contact()
    await api.make_contact()
    await dispatcher(app).run_until_idle()

    async def age(conn: Any) -> None:  # one of them as old as the retention
        await conn.execute(
            "UPDATE webhook_deliveries SET created_at = created_at - $2 WHERE seq ="
            " (SELECT min(seq) FROM webhook_deliveries WHERE location_id = $1)",
            api.location_id, dispatching.RETENTION_MS + 1)  # fmt: skip

    await app.state.db.run(age, write=True)
    assert await dispatcher(app).prune() >= 1
    listed = (await api.get(f"/v1/webhooks/{webhook['id']}/deliveries")).json()
    assert listed["meta"]["total"] == 1


async def test_a_receiver_that_never_stops_answering_or_shares_a_host_holds_no_one_else(
    app: Starlette, http: httpx.AsyncClient, api: Api, hooks: Receiver, allow_private: None
) -> None:
    other = await make_location(app, http)
    await subscribe(api, f"{hooks.base_url}/endless", ["ContactCreate"])
    await subscribe(api, f"{hooks.base_url}/hang/4", ["ContactCreate"])
    await subscribe(other, f"{hooks.base_url}/ok", ["ContactCreate"])
    for _ in range(10):
        await api.make_contact()
    running = dispatcher(app)
    task = asyncio.create_task(running.run())
    started = time.monotonic()
    await other.make_contact()
    while not hooks.at("/ok") and time.monotonic() - started < 3:
        await asyncio.sleep(0.02)
    # The other location's receiver, on the same host, is served at once.
    assert hooks.at("/ok") and hooks.at("/ok")[0].at - started < 1.5
    # The endless answers were cut short: their deliveries succeeded.
    while len(hooks.at("/endless")) < 10 and time.monotonic() - started < 5:
        await asyncio.sleep(0.05)
    running.stop()
    await task

    async def states(conn: Any) -> set[str]:
        rows = await conn.fetch_all(
            "SELECT d.status FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
            " WHERE w.url LIKE '%/endless'", )  # fmt: skip
        return {row["status"] for row in rows}

    assert await app.state.db.run(states, write=False) == {"succeeded"}


async def test_odd_and_wrapped_addresses_are_refused(api: Api, allow_private: None) -> None:
    policy.allow_private = False
    for url in (
        "https://[::1",
        "https://example.com:99999/",
        "https://example.com:abc/",
        "https://user:pw@example.com/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[::ffff:127.0.0.1]/",
    ):
        refused = await api.post("/v1/webhooks/", json={"url": url, "events": ["ContactCreate"]})
        assert refused.status_code == 422 and "url" in refused.json(), (url, refused.text)


async def test_a_failing_delivery_holds_back_only_its_contact_s_line(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    webhook = await subscribe(api, f"{hooks.base_url}/status/500", ["ContactCreate",
                                                                    "ContactUpdate"])  # fmt: skip
    held = await api.make_contact()
    for city in ("c1", "c2"):
        await api.put(f"/v1/contacts/{held['id']}", json={"city": city})
    other = await api.make_contact()
    # Only the heads are sent: the held contact's updates wait behind its failed create.
    assert await dispatcher(app).run_until_idle() == 2
    assert {item.json["id"] for item in hooks.at("/status/500")} == {held["id"], other["id"]}

    async def line(conn: Any) -> list[tuple[str, str, int]]:
        rows = await conn.fetch_all(
            "SELECT event_type, status, attempts FROM webhook_deliveries WHERE location_id = $1"
            " AND ordering_key = $2 ORDER BY seq", api.location_id, held["id"])  # fmt: skip
        return [(r["event_type"], r["status"], len(orjson.loads(r["attempts"]))) for r in rows]

    assert await app.state.db.run(line, write=False) == [
        ("ContactCreate", "pending", 1), ("ContactUpdate", "queued", 0),
        ("ContactUpdate", "queued", 0)]  # fmt: skip
    listed = (await api.get(f"/v1/webhooks/{webhook['id']}/deliveries")).json()["deliveries"]
    assert {d["status"] for d in listed} == {"pending"}  # queued ones read as pending

    async def give_up_soon(conn: Any) -> None:  # the head's 24 hours are over
        await conn.execute(
            "UPDATE webhook_deliveries SET created_at = created_at - $3, next_attempt_at = 0"
            " WHERE location_id = $1 AND ordering_key = $2 AND event_type = 'ContactCreate'",
            api.location_id, held["id"], 25 * 3600 * 1000)  # fmt: skip

    await app.state.db.run(give_up_soon, write=True)
    # The head fails for good; the next of its line becomes the head and is sent; the last
    # still waits behind it.
    assert await dispatcher(app).run_until_idle() == 2
    assert await app.state.db.run(line, write=False) == [
        ("ContactCreate", "failed", 2), ("ContactUpdate", "pending", 1),
        ("ContactUpdate", "queued", 0)]  # fmt: skip
    assert hooks.at("/status/500")[-1].json["city"] == "c1"


async def test_a_subscriptions_log_pages_newest_first_each_delivery_once(
    app: Starlette, api: Api, allow_private: None
) -> None:
    webhook = await subscribe(api, "http://127.0.0.1:9/hook", ["ContactCreate"])
    other = await subscribe(api, "http://127.0.0.1:9/other", ["ContactCreate"])
    for _ in range(5):
        await api.make_contact()
        await asyncio.sleep(0.002)  # each event in a millisecond of its own

    async def committed(conn: Any) -> list[str]:
        rows = await conn.fetch_all(
            "SELECT event_id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY seq DESC",
            webhook["id"])  # fmt: skip
        return [row["event_id"] for row in rows]

    walked, after, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&startAfterId={after}" if after else "")
        page = (await api.get(f"/v1/webhooks/{webhook['id']}/deliveries{query}")).json()
        pages += 1
        assert page["meta"]["total"] == 5
        walked += [delivery["eventId"] for delivery in page["deliveries"]]
        assert {d["webhookId"] for d in page["deliveries"]} == {webhook["id"]}
        after = page["meta"]["startAfterId"]
        if not page["meta"]["nextPage"]:
            break
    assert pages == 3
    assert walked == await app.state.db.run(committed, write=False)
    one = (await api.get(f"/v1/webhooks/{webhook['id']}/deliveries?limit=1")).json()
    mine = one["deliveries"][0]["id"]
    assert (await api.get(f"/v1/webhooks/{other['id']}/deliveries?startAfterId={mine}")
            ).status_code == 422  # fmt: skip


async def test_a_create_event_made_before_its_transaction_is_the_same_and_checked_there(
    app: Starlette, api: Api, hooks: Receiver, allow_private: None
) -> None:
    """A location's first ContactCreate is made in its transaction; later ones before it
    (`prepared_create`), once the process has seen a subscription want them. Either way the
    transaction's own read of the subscriptions decides who gets it."""
    webhook = await subscribe(api, f"{hooks.base_url}/ok", ["ContactCreate"])
    first = await api.make_contact(firstName="Ann", tags=["b"])
    second = await api.make_contact(firstName="Bo", tags=["b"])
    assert await dispatcher(app).run_until_idle() == 2
    bodies = {item.json["id"]: item.json for item in hooks.at("/ok")}
    made_in, made_before = bodies[first["id"]], bodies[second["id"]]
    assert list(made_before) == list(made_in)  # the same keys, in the same order
    assert made_before["firstName"] == "Bo" and made_before["tags"] == ["b"]
    assert made_before["dateAdded"] == second["dateAdded"]
    assert made_before["webhookId"] != made_in["webhookId"]
    # Gone meanwhile: an event made before the transaction is sent to no one.
    assert (await api.delete(f"/v1/webhooks/{webhook['id']}")).status_code == 200
    await api.make_contact()
    assert await dispatcher(app).run_until_idle() == 0
