"""Workflows and enrollments through HTTP (contract section 4); the queue is drained by
driving a worker directly (the test app runs none)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette

from contactapi.jobs import JOB_HANDLERS
from contactapi.queue.worker import Worker
from tests.factories import Api, make_location

BAD_CONTACT = {"contactId": {"message": "The contact id is invalid.", "rule": "invalid"}}
BAD_WORKFLOW = {"workflowId": {"message": "The workflow id is invalid.", "rule": "invalid"}}
UNKNOWN_CONTACT = "nosuchid000000000000"
WORKFLOW_KEYS = {"id", "name", "status", "version", "createdAt", "updatedAt", "locationId"}
ENROLLMENT_KEYS = {"workflowId", "name", "status", "eventStartTime", "dateAdded", "dateProcessed"}


async def make_workflow(api: Api, name: str = "First Workflow", **fields: Any) -> dict[str, Any]:
    response = await api.post("/v1/workflows/", json={"name": name, **fields})
    assert response.status_code == 200, response.text
    workflow: dict[str, Any] = response.json()["workflow"]
    return workflow


async def enrollments(api: Api, contact_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/contacts/{contact_id}/workflows/")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["workflows"]
    return found


async def jobs_of(app: Starlette, location_id: str) -> int:
    count: int = await app.state.db.run(
        lambda conn: conn.fetch_value(
            "SELECT COUNT(*) FROM jobs WHERE location_id = $1", location_id
        ),
        write=False,
    )
    return count


async def drain(app: Starlette) -> int:
    return await Worker(app.state.db, JOB_HANDLERS).run_until_idle()


async def test_create_and_list_workflows_with_uuid_ids(app: Starlette, api: Api) -> None:
    assert (await api.get("/v1/workflows/")).json() == {"workflows": [], "workflow": []}
    first = await make_workflow(api)
    assert set(first) == WORKFLOW_KEYS
    assert str(uuid.UUID(first["id"])) == first["id"]
    assert first["status"] == "draft" and first["version"] == 1
    assert first["locationId"] == api.location_id
    assert first["createdAt"] == first["updatedAt"] and first["createdAt"].endswith("Z")
    second = await make_workflow(api, "Second", status="PUBLISHED")
    assert second["status"] == "published"

    other = await make_location(app, api.http)
    await make_workflow(other, "Theirs")
    for path in ("/v1/workflows/", "/v1/workflows"):
        body = (await api.get(path)).json()
        assert {w["id"] for w in body["workflows"]} == {first["id"], second["id"]}
        assert body["workflow"] == body["workflows"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"name": "required"}),
        ({"name": ""}, {"name": "required"}),
        ({"name": ["x"]}, {"name": "invalid"}),
        ({"name": "ok", "status": "archived"}, {"status": "invalid"}),
    ],
)
async def test_create_workflow_validation(
    api: Api, body: dict[str, Any], errors: dict[str, str]
) -> None:
    response = await api.post("/v1/workflows/", json=body)
    assert response.status_code == 422
    assert {key: value["rule"] for key, value in response.json().items()} == errors
    assert (await api.post("/v1/workflows/", content=b"")).status_code == 400


async def test_enroll_answers_at_once_and_the_queue_activates(app: Starlette, api: Api) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    response = await api.post(
        f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}",
        content=orjson.dumps({"eventStartTime": "2021-06-23T03:30:00+01:00"}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200 and response.content == b""

    [queued] = await enrollments(api, contact["id"])
    assert set(queued) == ENROLLMENT_KEYS
    assert queued["workflowId"] == workflow["id"] and queued["name"] == "First Workflow"
    assert queued["status"] == "queued" and queued["dateProcessed"] is None
    assert queued["eventStartTime"] == "2021-06-23T02:30:00.000Z"
    assert await jobs_of(app, api.location_id) == 1

    assert await drain(app) >= 1
    [active] = await enrollments(api, contact["id"])
    assert active["status"] == "active"
    assert active["dateProcessed"] is not None and active["dateProcessed"] >= active["dateAdded"]
    assert active["eventStartTime"] == queued["eventStartTime"]
    assert await jobs_of(app, api.location_id) == 0


async def test_enroll_without_body_and_with_trailing_slash(app: Starlette, api: Api) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    response = await api.post(f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}/")
    assert response.status_code == 200
    [enrollment] = await enrollments(api, contact["id"])
    assert enrollment["eventStartTime"] is None and enrollment["status"] == "queued"
    listed = await api.get(f"/v1/contacts/{contact['id']}/workflows")
    assert listed.json() == {"workflows": [enrollment]}


async def test_enrolling_twice_queues_once(app: Starlette, api: Api) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    url = f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}"
    await api.post(url)
    await api.post(url, json={"eventStartTime": "2021-05-26T11:33:49.000Z"})
    [enrollment] = await enrollments(api, contact["id"])
    assert enrollment["status"] == "queued"
    assert enrollment["eventStartTime"] == "2021-05-26T11:33:49.000Z"
    assert await jobs_of(app, api.location_id) == 1
    await drain(app)
    assert (await api.post(url)).status_code == 200
    assert await jobs_of(app, api.location_id) == 0
    [still] = await enrollments(api, contact["id"])
    assert still["status"] == "active"


@pytest.mark.parametrize(
    "value",
    ["2021-06-23T03:30:00", "2021-06-23", "yesterday", 1624415400000, "2021-13-23T03:30:00Z"],
)
async def test_bad_event_start_time_is_422_and_leaves_no_work(
    app: Starlette, api: Api, value: object
) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    response = await api.post(
        f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}",
        json={"eventStartTime": value},
    )
    assert response.status_code == 422
    assert list(response.json()) == ["eventStartTime"]
    assert response.json()["eventStartTime"]["rule"] == "invalid"
    assert await enrollments(api, contact["id"]) == []
    assert await jobs_of(app, api.location_id) == 0


async def test_enroll_body_that_is_not_an_object_is_400(app: Starlette, api: Api) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    for raw in (b"[1]", b"{"):
        response = await api.post(
            f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}", content=raw
        )
        assert response.status_code == 400
    assert await jobs_of(app, api.location_id) == 0


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_bad_ids_are_422_keyed_by_param_and_leave_no_work(
    app: Starlette, api: Api, method: str
) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    other = await make_location(app, api.http)
    foreign_contact = await other.make_contact()
    foreign_workflow = await make_workflow(other)
    unknown_workflow = str(uuid.uuid4())

    async def call(contact_id: str, workflow_id: str) -> tuple[int, Any]:
        response = await api.request(method, f"/v1/contacts/{contact_id}/workflow/{workflow_id}")
        return response.status_code, response.json()

    assert await call(UNKNOWN_CONTACT, workflow["id"]) == (422, BAD_CONTACT)
    assert await call(foreign_contact["id"], workflow["id"]) == (422, BAD_CONTACT)
    assert await call(contact["id"], unknown_workflow) == (422, BAD_WORKFLOW)
    assert await call(contact["id"], foreign_workflow["id"]) == (422, BAD_WORKFLOW)
    assert await call(contact["id"], "not-a-uuid") == (422, BAD_WORKFLOW)
    assert await call(UNKNOWN_CONTACT, unknown_workflow) == (422, {**BAD_CONTACT, **BAD_WORKFLOW})
    assert await jobs_of(app, api.location_id) == 0
    assert await jobs_of(app, other.location_id) == 0


async def test_every_error_of_an_enrollment_is_reported_together(api: Api) -> None:
    response = await api.post(
        f"/v1/contacts/{UNKNOWN_CONTACT}/workflow/{uuid.uuid4()}",
        json={"eventStartTime": "soon"},
    )
    assert response.status_code == 422
    assert set(response.json()) == {"eventStartTime", "contactId", "workflowId"}


async def test_remove_keeps_the_enrollment_as_removed_and_its_job_ends_without_effect(
    app: Starlette, api: Api
) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    url = f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}"
    await api.post(url)
    response = await api.delete(url)
    assert response.status_code == 200 and response.content == b""
    [removed] = await enrollments(api, contact["id"])
    assert removed["status"] == "removed"
    await drain(app)
    assert await jobs_of(app, api.location_id) == 0
    [still] = await enrollments(api, contact["id"])
    assert still["status"] == "removed" and still["dateProcessed"] is None
    # Removing again, or what was never enrolled, is not an error.
    assert (await api.delete(url + "/")).status_code == 200
    second = await make_workflow(api, "Never joined")
    assert (await api.delete(f"/v1/contacts/{contact['id']}/workflow/{second['id']}")).is_success


async def test_re_enrolling_a_removed_enrollment_queues_it_again(app: Starlette, api: Api) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    url = f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}"
    await api.post(url)
    await drain(app)
    await api.delete(url)
    await api.post(url, json={"eventStartTime": "2030-01-01T00:00:00Z"})
    [queued] = await enrollments(api, contact["id"])
    assert queued["status"] == "queued" and queued["dateProcessed"] is None
    assert queued["eventStartTime"] == "2030-01-01T00:00:00.000Z"
    await drain(app)
    [active] = await enrollments(api, contact["id"])
    assert active["status"] == "active" and active["dateProcessed"] is not None


async def test_contact_enrollments_with_bad_contact_is_422(app: Starlette, api: Api) -> None:
    other = await make_location(app, api.http)
    foreign = await other.make_contact()
    for contact_id in (UNKNOWN_CONTACT, foreign["id"]):
        response = await api.get(f"/v1/contacts/{contact_id}/workflows/")
        assert response.status_code == 422 and response.json() == BAD_CONTACT


async def test_deleting_a_contact_removes_enrollments_and_its_jobs_end_without_effect(
    app: Starlette, api: Api
) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    await api.post(f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}")
    assert await jobs_of(app, api.location_id) == 1
    assert (await api.delete(f"/v1/contacts/{contact['id']}")).status_code == 200
    worker = Worker(app.state.db, JOB_HANDLERS)
    await worker.run_until_idle()
    assert worker.failed == 0
    assert await jobs_of(app, api.location_id) == 0
    left = await app.state.db.run(
        lambda conn: conn.fetch_value(
            "SELECT COUNT(*) FROM workflow_enrollments WHERE location_id = $1", api.location_id
        ),
        write=False,
    )
    assert left == 0


async def test_workflow_routes_need_a_key(api: Api) -> None:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    enrollment = f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}"
    for method, path in (
        ("GET", "/v1/workflows/"),
        ("POST", "/v1/workflows/"),
        ("POST", enrollment),
        ("DELETE", enrollment),
        ("GET", f"/v1/contacts/{contact['id']}/workflows/"),
    ):
        response = await api.http.request(method, path, json={"name": "x"})
        assert response.status_code == 401, (method, path)
        assert response.json() == {"msg": "Unauthorized"}


async def test_openapi_describes_the_workflow_routes(api: Api) -> None:
    paths = (await api.http.get("/openapi.json")).json()["paths"]
    assert set(paths["/v1/workflows/"]) == {"get", "post"}
    assert set(paths["/v1/contacts/{contactId}/workflow/{workflowId}"]) == {"post", "delete"}
    assert set(paths["/v1/contacts/{contactId}/workflows/"]) == {"get"}
