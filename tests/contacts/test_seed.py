"""`contactapi seed`: synthetic contacts, found by the search index, on both databases."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from contactapi.cli import app as cli
from tests.factories import Api


async def test_seed_loads_contacts_the_search_index_finds(api: Api, database_url: str) -> None:
    args = ["seed", "--location", api.location_id, "--count", "500", "--database", database_url]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args)
    assert result.exit_code == 0, result.output
    body = (await api.get("/v1/contacts/?limit=100")).json()
    assert body["meta"]["total"] == 500
    contacts = body["contacts"]
    assert len({c["lastName"] for c in contacts}) > 20
    oldest = (await api.get("/v1/contacts/?order=asc&limit=1")).json()["contacts"][0]
    assert int(contacts[0]["dateAdded"][:4]) - int(oldest["dateAdded"][:4]) >= 3, "years"
    assert any(c["tags"] for c in contacts) and any(c["companyName"] for c in contacts)

    sample = next(c for c in contacts if c["email"] and c["companyName"] and c["tags"])
    for query in (sample["email"][2:12], sample["companyName"], sample["tags"][0],
                  sample["phone"][-7:], sample["lastName"]):  # fmt: skip
        found = (await api.get("/v1/contacts/", params={"query": query, "limit": 100})).json()
        assert found["meta"]["total"] >= 1, query
        assert found["meta"]["total"] < 500 or query == sample["tags"][0], query
    # The index keeps following writes after a seed.
    await api.make_contact(name="Zebediah Afterseed")
    assert (await api.get("/v1/contacts/?query=afterseed")).json()["meta"]["total"] == 1
    assert (await api.get("/v1/contacts/")).json()["meta"]["total"] == 501


async def test_seed_into_an_unknown_location_fails(database_url: str) -> None:
    args = ["seed", "--location", "nosuchlocation000000", "--count", "5",
            "--database", database_url]  # fmt: skip
    result = await asyncio.to_thread(CliRunner().invoke, cli, args)
    assert result.exit_code == 2
