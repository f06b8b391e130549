"""A search's cost depends on the caller's location only (SQLite): the statements a small
location's search runs execute exactly as many virtual-machine steps whether or not other
locations hold what it looks for. (A large location's, with an index of its own:
tests/contacts/test_search_own_index.py.)"""

from __future__ import annotations

from pathlib import Path

from contactapi.contacts.search import list_contacts, parse_list_query
from contactapi.db.calls import run_now
from contactapi.db.engine import SQLiteConnection, open_sqlite
from tests.factories import Api, make_location, own_sqlite_app


def search_steps(path: Path, location_id: str, query: str) -> tuple[int, int]:
    """(matches, virtual-machine steps) of one search, on a connection of its own."""
    raw = open_sqlite(str(path))
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    raw.set_progress_handler(count, 1)
    try:
        params = {"query": query, "limit": "20"}
        result = run_now(
            list_contacts(SQLiteConnection(raw), location_id, parse_list_query(params))
        )
    finally:
        raw.close()
    return result.total, steps


async def _fill(api: Api, count: int) -> None:
    for n in range(count):
        await api.make_contact(email=f"someone{n}@example.org", name=f"Person {n}")


async def test_what_other_locations_hold_does_not_change_a_search_cost(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    query = "target.person@example.net"
    async with own_sqlite_app(path) as small:
        app = small.http._transport.app  # type: ignore[attr-defined]
        other = await make_location(app, small.http)
        await _fill(small, 30)
        await _fill(other, 60)
        absent = search_steps(path, small.location_id, query)
        # The other location now holds what the small one looks for, many times over.
        for n in range(20):
            email = query if n == 0 else f"t{n}@example.com"
            await other.make_contact(email=email, name="Target Person", companyName=query)
        found = await other.get("/v1/contacts/", params={"query": query})
        assert found.json()["meta"]["total"] == 20
        present_elsewhere = search_steps(path, small.location_id, query)
    assert absent[0] == present_elsewhere[0] == 0
    assert absent[1] == present_elsewhere[1], (absent, present_elsewhere)
