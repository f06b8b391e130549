"""Common terms (a tag, a last name, a company, an email domain, each matching many contacts)
and partial or mixed-case ones, and a tag's name (whose total may be proven from the tag's
carriers, `db/search/sqlite.py`): every search plan answers the same pages and the same exact
total as the scan, and the scan answers what the contract says `query` matches. On both
databases, over seeded contacts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from typer.testing import CliRunner

from contactapi.cli import app as cli
from contactapi.contacts import seed as seeding
from tests.contacts.search_plans import PLANS, force_plan
from tests.factories import Api

SEEDED = 400
QUERIES = [
    "absentee-owner", "ABSENTEE-Owner", "ee-ow", "pre-foreclosure", "Newsletter", "-own",
    "buyer", "lead", seeding.COMMON_LAST_NAME, "SMITH", "mit", "son", seeding.COMMON_COMPANY,
    "summit", "Summit Re", "mit realty", "gmail.com", "ail.com", "@YAHOO.com", "l.com", "zzzq",
    "512", "(888)", "ego99@summit-realty", "Ego99@",
]  # fmt: skip
ORDERS = [{"sortBy": "date_added", "order": "desc"}, {"sortBy": "date_updated", "order": "asc"}]


def _matches(contact: dict[str, Any], query: str) -> bool:
    """The contract's `query`: a case-insensitive substring of the full, first or last name,
    the email, the company or a tag; when it holds digits and is phone-shaped, of the
    phone's digits too."""
    text = query.lower()
    fields = [contact.get(key) or "" for key in
              ("contactName", "firstName", "lastName", "email", "companyName")]  # fmt: skip
    if any(text in str(value).lower() for value in [*fields, *contact["tags"]]):
        return True
    digits = "".join(ch for ch in query if ch.isdigit())
    shaped = digits and all(ch.isdigit() or ch in "()+-. " for ch in query)
    phone = "".join(ch for ch in contact.get("phone") or "" if ch.isdigit())
    return bool(shaped and digits in phone)


async def _walk(api: Api, params: dict[str, Any]) -> tuple[int, list[str]]:
    """(total, ids of every page), following nextPageUrl; each page states the same total."""
    body = (await api.get("/v1/contacts/", params=params)).json()
    total, ids = body["meta"]["total"], [c["id"] for c in body["contacts"]]
    while body["meta"]["nextPageUrl"] is not None:
        body = (await api.get(body["meta"]["nextPageUrl"])).json()
        assert body["meta"]["total"] == total
        ids += [c["id"] for c in body["contacts"]]
        assert len(ids) <= SEEDED + 10, "the walk does not end"
    return total, ids


async def test_every_plan_answers_common_and_partial_terms_as_the_scan_does(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as indexed:
        force_plan(indexed, "index-keys")  # the index is built as the seed crosses the size
        args = ["seed", "--location", api.location_id, "--count", str(SEEDED),
                "--database", database_url]  # fmt: skip
        result = await asyncio.to_thread(CliRunner().invoke, cli, args)
        assert result.exit_code == 0, result.output
    await api.make_contact(firstName="Mixed", lastName="SMITHSON", email="MS@Summit-Realty.COM",
                           tags=["Absentee-Owner-Plus"])  # fmt: skip
    # Holds a tag's name without carrying the tag: a tag's carriers are not all its matches.
    await api.make_contact(name="Nell Post", companyName="The Newsletter Co")
    # Holds two words `ail.com` matches (counted once).
    await api.make_contact(name="Dot Twice", email="dot@gmail.com", tags=["hotmail.com"])
    # An email's part before `@` is what PostgreSQL's GIN plan looks up (`gin_text_test`): the
    # second holds it, not the whole query.
    await api.make_contact(name="Walter Ego", email="walter.ego99@summit-realty.com")
    await api.make_contact(name="Alter Ego", email="ego99@other.org")
    _, everyone = await _walk(api, {"limit": 100})
    contacts = [(await api.get(f"/v1/contacts/{cid}")).json()["contact"] for cid in everyone]
    for query in QUERIES:
        expected = {c["id"] for c in contacts if _matches(c, query)}
        for order in ORDERS:
            params = {"query": query, "limit": 9, **order}
            with monkeypatch.context() as scanning:
                force_plan(scanning, "scan")
                scanned = await _walk(api, params)
            assert scanned[0] == len(expected) and set(scanned[1]) == expected, query
            for plan in PLANS:
                with monkeypatch.context() as planned:
                    force_plan(planned, plan)
                    assert await _walk(api, params) == scanned, (query, plan, order)
    common = {q: sum(_matches(c, q) for c in contacts) for q in QUERIES}
    # The seed's common terms match a twentieth of the location, or so.
    for query in ("absentee-owner", seeding.COMMON_LAST_NAME, seeding.COMMON_COMPANY):
        assert SEEDED * 0.02 < common[query] < SEEDED * 0.1, (query, common[query])


FOLLOWED = ["absentee-owner", "hot-lead", "warm-lead", "smith", "smithers", "summit realty",
            "gmail.com", "acme.org", "jones"]  # fmt: skip


async def test_every_plan_follows_updates_tag_renames_and_deletes(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexes (PostgreSQL's word postings and kept counts, SQLite's FTS5 table) follow
    every write that changes a search document: a field updated, tags added and removed, a tag
    renamed or deleted across its carriers, a contact deleted."""
    force_plan(monkeypatch, "index-keys")
    made = [await api.make_contact(firstName="Ann", lastName="Smith", email=f"ann{i}@gmail.com",
                                   companyName="Summit Realty", tags=["absentee-owner", "hot-lead"])
            for i in range(6)]  # fmt: skip
    with monkeypatch.context() as keeping:  # kept before the writes, which change the counts
        force_plan(keeping, "kept")
        for query in FOLLOWED:
            await _walk(api, {"query": query, "limit": 2})
    await api.put(f"/v1/contacts/{made[0]['id']}", json={"lastName": "Smithers"})
    await api.put(f"/v1/contacts/{made[1]['id']}", json={"email": "ann@acme.org"})
    await api.put(f"/v1/contacts/{made[2]['id']}", json={"companyName": "Jones Realty"})
    tagged = f"/v1/contacts/{made[3]['id']}/tags"
    assert (await api.request("DELETE", tagged, json={"tags": ["absentee-owner"]})).is_success
    tags = (await api.get("/v1/tags/")).json()["tags"]
    hot = next(tag for tag in tags if tag["name"] == "hot-lead")
    assert (await api.put(f"/v1/tags/{hot['id']}", json={"name": "warm-lead"})).is_success
    assert (await api.delete(f"/v1/contacts/{made[4]['id']}")).is_success
    contacts = [(await api.get(f"/v1/contacts/{c['id']}")).json()["contact"] for c in made
                if c is not made[4]]  # fmt: skip
    for query in FOLLOWED:
        expected = {c["id"] for c in contacts if _matches(c, query)}
        for plan in PLANS:
            with monkeypatch.context() as planned:
                force_plan(planned, plan)
                total, ids = await _walk(api, {"query": query, "limit": 2})
                assert (total, set(ids)) == (len(expected), expected), (query, plan)
    assert not any(_matches(c, "hot-lead") for c in contacts)
    assert sum(_matches(c, "smithers") for c in contacts) == 1


async def test_writers_adding_the_same_new_words_at_once_all_succeed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixteen creates at once, each adding words no contact held before (PostgreSQL: the
    vocabulary takes them without making one writer wait for another): all answered, all
    found."""
    force_plan(monkeypatch, "index-keys")
    tags = ["fresh-tag-one", "fresh-tag-two", "fresh-tag-three"]
    made = await asyncio.gather(*(
        api.make_contact(companyName="Novel Words Inc", tags=tags[n % 3:] + tags[:n % 3])
        for n in range(16)
    ))  # fmt: skip
    assert len({c["id"] for c in made}) == 16
    for query in ("novel words", "fresh-tag", "tag-two", "words inc"):
        total, ids = await _walk(api, {"query": query, "limit": 5})
        assert (total, set(ids)) == (16, {c["id"] for c in made}), query
