"""`contactapi import`: rows in through the contacts service (its upsert, validation, tags and
custom fields), bad rows in the rejects file, an interrupted import resumed, on both databases."""

from __future__ import annotations

import asyncio
import csv
import re
import signal
import subprocess
import time
from pathlib import Path

from typer.testing import CliRunner

from contactapi.cli import app as cli
from tests.factories import Api
from tests.live import CONTACTAPI


async def invoke(*args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, cli, list(args))
    return result.exit_code, result.output


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


async def test_an_import_with_bad_rows_takes_the_good_ones(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    body = {"name": "Deal Size", "dataType": "SINGLE_OPTIONS", "options": ["small", "large"]}
    field = (await api.post("/v1/custom-fields/", json=body)).json()
    existing = await api.make_contact(email="kept@example.com", firstName="Old", tags=["before"])
    # GHL's own export columns, a custom field by name, and a column nobody knows.
    header = ["Contact Id", "First Name", "Last Name", "Email", "Phone", "Business Name", "Tags",
              "Deal Size", "Created", "Shoe Size"]  # fmt: skip
    rows = [
        ["g1", "Ada", "Lovelace", "ada@example.com", "+14155550101", "Engines", "vip, math",
         "large", "2020-01-01", "7"],
        ["g2", "Bad", "Email", "not-an-email", "", "", "", "", "", ""],
        ["g3", "No", "Identity", "", "", "Acme", "", "", "", ""],
        ["g4", "Kept", "Updated", "KEPT@example.com", "", "", "after", "small", "", ""],
        ["g5", "Bad", "Option", "opt@example.com", "", "", "", "medium", "", ""],
        ["g6", "Grace", "Hopper", "", "+14155550102", "", "", "", "", ""],
    ]  # fmt: skip
    source = write_csv(tmp_path / "people.csv", header, rows)

    code, output = await invoke("import", str(source), "--location", api.location_id,
                                "--database", database_url)  # fmt: skip
    assert code == 1, output
    assert "imported 3 of 6 rows" in output and "ignored columns: Shoe Size" in output
    assert "import: 6/6 rows, " in output  # the progress, as plain lines off a terminal
    with (tmp_path / "people.csv.rejects.csv").open(newline="") as file:
        rejects = list(csv.DictReader(file))
    assert [(r["row"], r["field"]) for r in rejects] == [
        ("2", "email"), ("3", "email or phone"), ("5", f"customField.{field['id']}")]  # fmt: skip
    assert "valid email" in rejects[0]["message"] and "small, large" in rejects[2]["message"]

    listed = (await api.get("/v1/contacts/?limit=100")).json()
    assert listed["meta"]["total"] == 3  # the existing contact was updated, not duplicated
    by_email = {c["email"].lower(): c for c in listed["contacts"] if c["email"]}
    ada = by_email["ada@example.com"]
    assert (ada["firstName"], ada["lastName"], ada["companyName"], ada["phone"]) == (
        "Ada", "Lovelace", "Engines", "+14155550101")  # fmt: skip
    assert ada["tags"] == ["vip", "math"]
    assert ada["customField"] == [{"id": field["id"], "value": "large"}]
    kept = by_email["kept@example.com"]
    assert kept["id"] == existing["id"] and kept["firstName"] == "Kept"
    assert kept["tags"] == ["before", "after"]  # the upsert's rule: sent tags are added
    assert kept["customField"] == [{"id": field["id"], "value": "small"}]
    assert any(c["phone"] == "+14155550102" for c in listed["contacts"])


async def test_rows_matching_earlier_rows_or_stored_contacts_update_them(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    """The upsert's duplicates rule row by row, as the API applies it: a row updates the
    contact an earlier row of the file made (in its chunk or an earlier one) or a stored
    contact with its email, else its phone."""
    stored = await api.make_contact(phone="+14155550150", firstName="Stored", tags=["old"])
    filler = [[f"Filler{n}", f"filler{n}@example.com", "", ""] for n in range(150)]
    rows = [
        ["Ann", "ann@example.com", "+14155550151", "a"],
        ["Ann2", "ANN@example.com", "", "b"],  # same chunk, by email
        ["ByPhone", "", "+1 415 555 0151", "c"],  # same chunk, by phone (Ann's)
        ["StoredNew", "stored@example.com", "(415) 555-0150", "new"],  # the stored, by phone
        *filler,  # past SQLite's chunk of 100 rows
        ["Ann3", "ann@example.com", "", "d"],  # a later chunk
        ["Fresh", "fresh@example.com", "+14155550152", ""],
    ]  # fmt: skip
    source = write_csv(tmp_path / "dups.csv", ["First Name", "Email", "Phone", "Tags"], rows)

    code, output = await invoke("import", str(source), "--location", api.location_id,
                                "--database", database_url)  # fmt: skip
    assert code == 0, output
    total = (await api.get("/v1/contacts/?limit=1")).json()["meta"]["total"]
    assert total == 1 + 1 + 150 + 1  # the stored, Ann, the fillers, Fresh
    ann = (await api.get("/v1/contacts/lookup?email=ann@example.com")).json()["contacts"]
    assert len(ann) == 1
    assert (ann[0]["firstName"], ann[0]["phone"]) == ("Ann3", "+14155550151")
    assert ann[0]["tags"] == ["a", "b", "c", "d"]
    again = (await api.get(f"/v1/contacts/{stored['id']}")).json()["contact"]
    assert (again["firstName"], again["email"]) == ("StoredNew", "stored@example.com")
    assert again["tags"] == ["old", "new"]


async def test_a_jsonl_import_reports_lines_that_are_no_contact(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text('{"email": "j1@example.com", "tags": ["a"], "dnd": true}\n'
                      "not json\n\n[1, 2]\n"
                      '{"phone": "+14155550103", "name": "Jay Lines"}\n')  # fmt: skip
    code, output = await invoke("import", str(source), "--location", api.location_id,
                                "--database", database_url)  # fmt: skip
    assert code == 1, output
    rejects = (tmp_path / "people.jsonl.rejects.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in rejects[1:]] == ["2", "3"]
    contacts = (await api.get("/v1/contacts/")).json()["contacts"]
    assert {(c["email"], c["phone"], c["firstName"], c["dnd"]) for c in contacts} == {
        ("j1@example.com", None, None, True), (None, "+14155550103", "Jay", False)}  # fmt: skip


async def test_custom_field_items_without_a_string_id_fail_no_chunk(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text('{"email": "ok1@example.com"}\n'
                      '{"email": "bad1@example.com", "customField": [{"value": "x"}]}\n'
                      '{"email": "bad2@example.com", "customField": [{"id": ["a"], "value": 1}]}\n'
                      '{"email": "ok2@example.com"}\n')  # fmt: skip
    code, output = await invoke("import", str(source), "--location", api.location_id,
                                "--database", database_url)  # fmt: skip
    # As the API does with a `customField` key that is no field's: the item is ignored, and
    # no row's chunk fails.
    assert code == 0, output
    contacts = (await api.get("/v1/contacts/")).json()["contacts"]
    assert {c["email"] for c in contacts} == {
        "ok1@example.com", "bad1@example.com", "bad2@example.com", "ok2@example.com"}  # fmt: skip


async def test_usage_errors_exit_2(api: Api, database_url: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "a.csv", ["Email"], [["a@example.com"]])
    for args in (
        ["--location", "nosuchlocation000000"],
        ["--location", api.location_id, "--map", "Email=nosuchfield"],
        ["--location", api.location_id, "--format", "xml"],
    ):
        code, output = await invoke("import", str(source), *args, "--database", database_url)
        assert code == 2, (args, output)
        assert output.startswith("error: ") or "error:" in output


async def test_an_interrupted_import_resumes_without_duplicates_or_gaps(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    count = 12_000
    rows = [[f"P{n}", f"p{n}@example.com", f"tag{n % 7}"] for n in range(count)]
    source = write_csv(tmp_path / "many.csv", ["First Name", "Email", "Tags"], rows)
    command = [CONTACTAPI, "import", str(source), "--location", api.location_id,
               "--database", database_url]  # fmt: skip

    # SIGINT as a terminal's Ctrl-C: a shell starts background jobs with it ignored.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while (await api.get("/v1/contacts/?limit=1")).json()["meta"]["total"] == 0:
        assert time.monotonic() < deadline and process.poll() is None
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output = (await asyncio.to_thread(process.communicate, timeout=60))[0].decode()
    assert process.returncode == 130, output
    assert "run the same command again to resume" in output
    imported_before = (await api.get("/v1/contacts/?limit=1")).json()["meta"]["total"]
    assert 0 < imported_before < count

    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert re.search(rb"\(([\d,]+) done before\)", done.stdout), done.stdout

    exported = tmp_path / "out.csv"
    code, output = await invoke("export", "--location", api.location_id, "--output",
                                str(exported), "--database", database_url)  # fmt: skip
    assert code == 0, output
    with exported.open(newline="") as file:
        emails = [row["email"] for row in csv.DictReader(file)]
    assert len(emails) == count
    assert sorted(emails) == sorted(f"p{n}@example.com" for n in range(count))
