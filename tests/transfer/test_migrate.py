"""`contactapi migrate` between two live servers on each database: the source keeps its
default rate limit (100 requests per 10 s), so the copy must wait out its 429s. The counts
match, the copies hold what the originals do, and a second run changes nothing."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from contactapi.transfer.source import Source
from tests.conftest import postgres_database
from tests.live import CONTACTAPI, create_location, live_server

CONTACTS = 45


@contextmanager
def database(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / name}.db"
        return
    with postgres_database(f"contactapi_{name}") as url:
        yield url


class Client:
    """A location's client that waits out 429s, as any client of a rate-limited API must."""

    def __init__(self, base_url: str, key: str) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=30)  # fmt: skip

    def call(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        while True:
            answer = self.http.request(method, url, json=body)
            if answer.status_code != 429:
                assert answer.status_code == 200, answer.text
                return answer.json()
            time.sleep(float(answer.headers.get("retry-after", "1")))

    def walk(self, url: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            body = self.call("GET", next_url)
            items += body[key]
            next_url = body["meta"]["nextPageUrl"]
        return items


def fill(source: Client) -> None:
    colour = source.call(
        "POST",
        "/v1/custom-fields/",
        {"name": "Favourite Colour", "dataType": "SINGLE_OPTIONS", "options": ["red", "blue"]},
    )
    budget = source.call("POST", "/v1/custom-fields/", {"name": "Budget", "dataType": "NUMERICAL"})
    pipeline = source.call(
        "POST",
        "/v1/pipelines/",
        {"name": "Sales", "stages": [{"name": "New"}, {"name": "Offer"}, {"name": "Won"}]},
    )
    stages = [stage["id"] for stage in pipeline["stages"]]
    for n in range(CONTACTS):
        contact = source.call(
            "POST",
            "/v1/contacts/",
            {
                "email": f"m{n}@example.com",
                "firstName": f"M{n}",
                "lastName": "Moved",
                "phone": f"+1212555{n:04d}",
                "tags": [f"group{n % 3}", "moved"],
                "customField": {colour["id"]: ["red", "blue"][n % 2], budget["id"]: n * 100},
            },
        )["contact"]
        if n % 3 == 0:
            source.call("POST", f"/v1/contacts/{contact['id']}/notes/", {"body": f"note {n}"})
        if n % 5 == 0:
            source.call(
                "POST",
                f"/v1/contacts/{contact['id']}/tasks/",
                {"title": f"call {n}", "dueDate": "2027-01-02T10:00:00Z", "status": "completed"},
            )
        if n % 4 == 0:
            source.call(
                "POST",
                f"/v1/pipelines/{pipeline['id']}/opportunities/",
                {
                    "title": f"deal {n}",
                    "status": "open",
                    "stageId": stages[n % 3],
                    "contactId": contact["id"],
                    "monetaryValue": n,
                },
            )


def snapshot(client: Client) -> dict[str, Any]:
    """What a location holds, without its own ids and dates."""
    fields = {f["id"]: f["name"] for f in client.call("GET", "/v1/custom-fields/")["customFields"]}
    contacts = {}
    for c in client.walk("/v1/contacts/?limit=100", "contacts"):
        notes = client.call("GET", f"/v1/contacts/{c['id']}/notes/")["notes"]
        tasks = client.call("GET", f"/v1/contacts/{c['id']}/tasks/")["tasks"]
        contacts[c["email"]] = (
            c["firstName"], c["lastName"], c["phone"], c["tags"],
            sorted((fields[v["id"]], str(v["value"])) for v in c["customField"]),
            sorted(n["body"] for n in notes),
            sorted((t["title"], t["dueDate"], t["isCompleted"]) for t in tasks),
        )  # fmt: skip
    pipelines = client.call("GET", "/v1/pipelines/")["pipelines"]
    opportunities = []
    for pipeline in pipelines:
        stage_names = {s["id"]: s["name"] for s in pipeline["stages"]}
        for o in client.walk(f"/v1/pipelines/{pipeline['id']}/opportunities/?limit=20",
                             "opportunities"):  # fmt: skip
            stage = stage_names[o["pipelineStageId"]]
            opportunities.append((pipeline["name"], o["name"], o["status"], o["monetaryValue"],
                                  stage, o["contact"]["email"]))  # fmt: skip
    return {"fields": sorted(fields.values()), "contacts": contacts,
            "pipelines": sorted((p["name"], [s["name"] for s in p["stages"]]) for p in pipelines),
            "opportunities": sorted(opportunities)}  # fmt: skip


def migrate(
    source_url: str, key: str, location: str, database_url: str, *, key_on_stdin: bool = False
) -> tuple[int, str]:
    done = subprocess.run(
        [CONTACTAPI, "migrate", "--from", source_url, "--key", "-" if key_on_stdin else key,
         "--location", location, "--database", database_url],
        capture_output=True, timeout=600, text=True, input=key if key_on_stdin else None,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def table(output: str) -> dict[str, tuple[int, int, int]]:
    rows = re.findall(r"^([a-z ]+?)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)$", output, re.MULTILINE)
    return {kind: tuple(int(n.replace(",", "")) for n in counts) for kind, *counts in rows}  # type: ignore[misc]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_migration_between_live_servers_copies_everything_once(
    backend: str, tmp_path: Path
) -> None:
    with (
        database(backend, tmp_path, "source") as source_db,
        database(backend, tmp_path, "target") as target_db,
    ):
        _, source_key = create_location(source_db)
        target_location, target_key = create_location(target_db)
        with (
            live_server(source_db, tmp_path, "--no-worker", "--workers", "1") as source,
            live_server(
                target_db, tmp_path, "--no-worker", "--workers", "1", "--rate-limit", "off"
            ) as target,  # fmt: skip
        ):
            await asyncio.to_thread(fill, Client(source.base_url, source_key))
            code, output = await asyncio.to_thread(
                migrate, source.base_url, source_key, target_location, target_db
            )
            assert code == 0, output
            counts = table(output)
            expected = {"custom fields": 2, "contacts": CONTACTS, "notes": 15, "tasks": 9,
                        "pipelines": 1, "opportunities": 12}  # fmt: skip
            assert {kind: c[:2] for kind, c in counts.items()} == {
                kind: (n, n) for kind, n in expected.items()}  # fmt: skip
            assert {kind: c[2] for kind, c in counts.items()} == expected  # all copied now
            waited = re.search(r"\(([\d,]+) answered 429", output)
            assert waited is not None and int(waited[1]) > 0, output  # the limit was met

            originals = await asyncio.to_thread(snapshot, Client(source.base_url, source_key))
            copies = await asyncio.to_thread(snapshot, Client(target.base_url, target_key))
            assert copies == originals
            assert len(copies["contacts"]) == CONTACTS

            code, output = await asyncio.to_thread(
                partial(migrate, key_on_stdin=True),
                source.base_url, source_key, target_location, target_db,
            )  # fmt: skip
            assert code == 0, output
            assert {kind: c[2] for kind, c in table(output).items()} == dict.fromkeys(expected, 0)
            again = await asyncio.to_thread(snapshot, Client(target.base_url, target_key))
            assert again == copies


async def test_the_key_goes_only_to_the_source_whatever_next_page_url_names() -> None:
    seen: list[tuple[str, str | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if "startAfterId" in str(request.url):
            return httpx.Response(200, json={"contacts": [{"id": "b"}], "meta": {}})
        next_page = "http://elsewhere.example.net/v1/contacts/?startAfterId=a"
        return httpx.Response(200, json={"contacts": [{"id": "a"}],
                                         "meta": {"nextPageUrl": next_page}})  # fmt: skip

    source = Source("https://source.example.com", "SECRET", transport=httpx.MockTransport(answer))
    try:
        pages = [page async for page, _ in source.pages("/v1/contacts/", "contacts")]
    finally:
        await source.close()
    assert [[c["id"] for c in page] for page in pages] == [["a"], ["b"]]
    assert [url.split("?")[0] for url, _ in seen] == ["https://source.example.com/v1/contacts/"] * 2
    assert seen[1][0].endswith("startAfterId=a") and {key for _, key in seen} == {"Bearer SECRET"}
