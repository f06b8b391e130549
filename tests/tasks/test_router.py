"""A contact's tasks through HTTP: v1's object plus contactId, by due date, status route."""

from __future__ import annotations

from tests.factories import Api


async def test_tasks_are_created_listed_by_due_date_and_completed(api: Api) -> None:
    contact = await api.make_contact()
    base = f"/v1/contacts/{contact['id']}/tasks"
    later = await api.post(f"{base}/", json={"title": "Later", "dueDate": "2020-10-26T09:00:00Z",
                                              "description": "d"})  # fmt: skip
    assert later.status_code == 200, later.text
    task = later.json()
    assert task == {"id": task["id"], "title": "Later", "description": "d", "assignedTo": None,
                    "dueDate": "2020-10-26T09:00:00Z", "isCompleted": False,
                    "contactId": contact["id"]}  # fmt: skip
    sooner = (
        await api.post(base, json={"title": "Sooner", "dueDate": "2020-10-25T12:30:00.250+01:00"})
    ).json()
    assert sooner["dueDate"] == "2020-10-25T11:30:00Z"  # UTC, no milliseconds, as v1
    listed = (await api.get(f"{base}/")).json()["tasks"]
    assert [t["id"] for t in listed] == [sooner["id"], task["id"]]
    done = await api.put(f"{base}/{task['id']}/status", json={"status": "completed"})
    assert done.status_code == 200 and done.json()["isCompleted"] is True
    replaced = await api.put(
        f"{base}/{task['id']}", json={"title": "Renamed", "dueDate": "2021-01-01T00:00:00Z"}
    )
    assert replaced.json()["title"] == "Renamed" and replaced.json()["isCompleted"] is True
    reopened = await api.put(
        f"{base}/{task['id']}/",
        json={"title": "Renamed", "dueDate": "2021-01-01T00:00:00Z", "status": "incompleted"},
    )
    assert reopened.json()["isCompleted"] is False
    assert (await api.delete(f"{base}/{task['id']}")).content == b""
    assert [t["id"] for t in (await api.get(base)).json()["tasks"]] == [sooner["id"]]


async def test_v1s_422s(api: Api) -> None:
    contact = await api.make_contact()
    base = f"/v1/contacts/{contact['id']}/tasks/"
    response = await api.post(base, json={})
    assert response.status_code == 422
    assert response.json() == {
        "title": {"message": "The title field is mandatory.", "rule": "required"},
        "dueDate": {"message": "The due date field is mandatory.", "rule": "required"},
    }
    bad = await api.post(base, json={"title": "t", "dueDate": "tomorrow", "status": "done",
                                     "assignedTo": "hxHGVRb1YJUscrCB8eXK"})  # fmt: skip
    assert bad.status_code == 422 and {"dueDate", "status"} <= set(bad.json())
    unknown_user = await api.post(base, json={"title": "t", "dueDate": "2020-10-25T11:00:00Z",
                                              "assignedTo": "hxHGVRb1YJUscrCB8eXK"})  # fmt: skip
    assert (
        unknown_user.status_code == 422 and unknown_user.json()["assignedTo"]["rule"] == "invalid"
    )
    task = (await api.post(base, json={"title": "t", "dueDate": "2020-10-25T11:00:00Z"})).json()
    status = await api.put(f"{base}{task['id']}/status", json={"status": "finished"})
    assert status.status_code == 422 and status.json()["status"]["rule"] == "invalid"


async def test_a_due_date_before_year_1000_keeps_four_digits(api: Api) -> None:
    contact = await api.make_contact()
    task = await api.post(f"/v1/contacts/{contact['id']}/tasks/",
                          json={"title": "t", "dueDate": "0999-01-02T03:04:05Z"})  # fmt: skip
    assert task.json()["dueDate"] == "0999-01-02T03:04:05Z"
