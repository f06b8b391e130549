"""`contactapi export`: every contact exactly once, a search's contacts, and a round trip
(export, import into another location, export again) with equal contents, on both databases."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette

from tests.factories import Api, make_location
from tests.transfer.test_import import invoke

FIELDS = [
    {"name": "Favourite Colour", "dataType": "SINGLE_OPTIONS", "options": ["red", "blue"]},
    {"name": "Interests", "dataType": "MULTIPLE_OPTIONS", "options": ["golf", "tennis", "chess"]},
    {"name": "Budget", "dataType": "NUMERICAL"},
    {"name": "Closing Date", "dataType": "DATE"},
    {"name": "Notes, Long", "dataType": "LARGE_TEXT"},
]  # fmt: skip
# What differs by design between a contact and its copy in another location.
OWN = ("id", "locationId", "dateAdded", "dateUpdated")


async def make_fields(api: Api) -> dict[str, str]:
    """The fields, created; {id: name}."""
    names = {}
    for body in FIELDS:
        answer = await api.post("/v1/custom-fields/", json=body)
        assert answer.status_code == 200, answer.text
        names[answer.json()["id"]] = body["name"]
    return names


def contents(path: Path, fmt: str, fields: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each exported contact by email (or phone), without what is each location's own; custom
    values by field name."""
    records: list[dict[str, Any]] = []
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8") as file:
            records = list(csv.DictReader(file))
    else:
        records = [orjson.loads(line) for line in path.read_text().splitlines()]
    found = {}
    for record in records:
        record = {k: v for k, v in record.items() if k not in OWN}
        if fmt == "jsonl":  # keyed by fieldKey: the same in both locations
            record["customField"] = dict(sorted(record["customField"].items()))
        found[record["email"] or record["phone"]] = record
    assert len(found) == len(records)
    return found


async def export(api: Api, database_url: str, path: Path, fmt: str, *extra: str) -> None:
    code, output = await invoke("export", "--location", api.location_id, "--format", fmt,
                                "--output", str(path), "--database", database_url,
                                *extra)  # fmt: skip
    assert code == 0, output


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_export_writes_each_contact_once_and_imports_back_unchanged(
    app: Starlette, api: Api, database_url: str, tmp_path: Path, fmt: str
) -> None:
    # More than a page (1,000) of seeded contacts, and a few with every kind of value.
    code, output = await invoke("seed", "--location", api.location_id, "--count", "2100",
                                "--database", database_url)  # fmt: skip
    assert code == 0, output
    fields = await make_fields(api)
    by_name = {name: field_id for field_id, name in fields.items()}
    await api.make_contact(
        email="full@example.com", phone="+14155550111", firstName="Full", lastName="Record",
        companyName="Acme, Inc.", address1="1 Main St", city="Austin", state="TX",
        postalCode="73301", country="US", website="https://acme.example",
        timezone="America/Chicago",
        dateOfBirth="1990-09-25", dnd=True, type="customer", source="web form",
        tags=["first tag", "second"],
        customField={by_name["Favourite Colour"]: "blue", by_name["Interests"]: ["golf", "chess"],
                     by_name["Budget"]: 250000, by_name["Closing Date"]: "2027-01-15",
                     by_name["Notes, Long"]: 'Quotes "and", commas\nand lines'},
    )  # fmt: skip
    await api.make_contact(phone="+14155550112", name="Phone Only")

    first = tmp_path / f"a.{fmt}"
    await export(api, database_url, first, fmt)
    # Every contact, exactly once: the ids are those a walk of the API lists.
    listed: set[str] = set()
    url: str | None = "/v1/contacts/?limit=100"
    while url:
        body = (await api.get(url)).json()
        listed |= {c["id"] for c in body["contacts"]}
        url = body["meta"]["nextPageUrl"]
    if fmt == "csv":
        with first.open(newline="") as file:
            ids = [row["id"] for row in csv.DictReader(file)]
    else:
        ids = [orjson.loads(line)["id"] for line in first.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == len(listed) == 2102
    assert set(ids) == listed

    other = await make_location(app, api.http)
    await make_fields(other)
    code, output = await invoke("import", str(first), "--location", other.location_id,
                                "--database", database_url)  # fmt: skip
    assert code == 0, output
    assert "ignored columns" not in output
    second = tmp_path / f"b.{fmt}"
    await export(other, database_url, second, fmt)

    before, after = contents(first, fmt, fields), contents(second, fmt, fields)
    assert before == after
    full = after["full@example.com"]
    if fmt == "csv":
        assert full["tags"] == "first tag,second" and full["Interests"] == '["golf","chess"]'
        assert full["Notes, Long"] == 'Quotes "and", commas\nand lines'
    else:
        assert full["customField"]["contact.budget"] == 250000


async def test_export_of_a_search(api: Api, database_url: str, tmp_path: Path) -> None:
    for n in range(5):
        await api.make_contact(email=f"s{n}@example.com", tags=["wanted" if n % 2 else "other"])
    path = tmp_path / "found.jsonl"
    await export(api, database_url, path, "jsonl", "--query", "wanted")
    exported = [orjson.loads(line) for line in path.read_text().splitlines()]
    assert sorted(c["email"] for c in exported) == ["s1@example.com", "s3@example.com"]
