"""v1's official collection, walked from its file: every request sent as the collection writes
it (body, query, path; the path's ids replaced by records of the caller's location) must get
its documented success status and keys. Folders listed in COMPLETE must pass whole; the count
over all 90 requests may only grow."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from tests.collection import Request, keys_missing, requests
from tests.factories import make_location
from tests.records import PARAM_KINDS, make_records

# The folders whose every request answers as documented.
COMPLETE = {
    "Note",
    "Task",
    "Tag",
    "Custom Value",
    "Custom Field",
    "Timezone",
    "Contact",
    "Workflow",
    "Campaign",
}
# How many of the 90 answered as documented when this was last raised.
AT_LEAST = 43
# The collection's users (`userId`, `assignedTo`): the users routes are not built yet, so they
# are placed in the location directly, as its users.
COLLECTION_USERS = ("GCs5KuzPqTls7vWclkEV", "hxHGVRb1YJUscrCB8eXK")


async def send(app: Starlette, http: httpx.AsyncClient, request: Request) -> str | None:
    """None when the answer is as documented; else what differs. Each request is sent as a
    location of its own, holding one record of each kind and the collection's users."""
    api = await make_location(app, http)

    async def add_users(conn: Any) -> None:
        for user_id in COLLECTION_USERS:
            await conn.execute(
                "INSERT INTO user_locations (location_id, user_id) VALUES ($1, $2)",
                api.location_id,
                user_id,
            )

    await app.state.db.run(add_users, write=True)
    records = await make_records(api)
    path = request.path
    for name in request.path_params:
        kind = PARAM_KINDS.get(name)
        if kind is None or kind not in records.ids:
            return f"no record for :{name}"
        path = path.replace(f":{name}", records.ids[kind])
    kwargs: dict[str, Any] = {"params": request.query}
    if request.body is not None:
        kwargs["json"] = request.body
    response = await api.request(request.method, path, **kwargs)
    documented = request.success
    if response.status_code != documented.status:
        return f"{response.status_code} {response.text[:200]}"
    if documented.body in ("", None):
        return None if response.content in (b"", b"{}") else f"a body: {response.text[:100]}"
    missing = keys_missing(documented.body, response.json())
    return f"missing {missing}" if missing else None


async def test_the_collection_answers_as_documented(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    collection = requests()
    assert len(collection) == 90
    failures: dict[str, str] = {}
    for request in collection:
        problem = await send(app, http, request)
        if problem is not None:
            failures[str(request)] = problem
    answered = len(collection) - len(failures)
    print(f"\n{answered} of {len(collection)} requests answer as documented")
    for request, problem in failures.items():
        print(f"  {request}: {problem}")
    broken = {r: p for r, p in failures.items() if r.split(":")[0].split("/")[0] in COMPLETE}
    assert not broken, broken
    assert answered >= AT_LEAST, failures
