"""The `contactapi` command as an operator meets it: one line per mistake, files only its owner
can read, migrations that say what they did, SIGTERM honoured at any moment."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory

from contactapi.db.migrate import MIGRATIONS_DIR
from tests.live import CONTACTAPI, create_location, free_port, live_server

# Every migration, oldest first, as `db upgrade` names them.
REVISIONS = [
    r.revision for r in reversed(list(ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()))
]


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CONTACTAPI, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), lines
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("contactapi ") and done.stdout.strip()[-1].isdigit()


def test_common_mistakes_are_one_line_each(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/ok.db"
    assert_one_line_error(run("serve", "--port", "99999", "--database", database), "99999")
    assert_one_line_error(
        run("serve", "--database", f"sqlite:///{tmp_path}/missing/dir/x.db"), "no directory"
    )
    assert not (tmp_path / "missing").exists()
    assert_one_line_error(run("serve", "--database", "mysql://localhost/x"), "--database")
    assert_one_line_error(run("db", "upgrade", "--database", "postgresql://u@h:abc/x"), "URL")
    # Nothing listens on port 1: the database is unreachable.
    assert_one_line_error(
        run("serve", "--database", "postgresql://postgres@127.0.0.1:1/x", "--port",
            str(free_port())),
        "cannot use the database", "refused",
    )  # fmt: skip
    assert_one_line_error(
        run("serve", "--database", database, "--ssl-certfile", str(tmp_path / "no.pem"),
            "--ssl-keyfile", str(tmp_path / "no.key")),
        "--ssl-certfile", "No such file",
    )  # fmt: skip
    assert_one_line_error(run("serve", "--database", database, "--rate-limit", "fast"), "rate")
    assert_one_line_error(run("serve", "--database", database, "--daily-limit", "-3"), "daily")


def test_a_rate_limit_store_is_a_redis_that_answers_unless_failing_open(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/store.db"
    serve = ("serve", "--database", database, "--port", str(free_port()))
    assert_one_line_error(run(*serve, "--rate-limit-store", "memcached://h/"), "--rate-limit-store")
    assert_one_line_error(
        run(*serve, "--rate-limit-store", "redis://127.0.0.1:notaport/0"), "--rate-limit-store"
    )
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    assert_one_line_error(run(*serve, "--rate-limit-store", nowhere), "unreachable", "fail-open")
    # Failing open, it starts, and serves uncounted until Redis comes.
    _, key = create_location(database)
    store = ("--rate-limit-store", nowhere, "--rate-limit-fail-open")
    with live_server(database, tmp_path, "--no-worker", "--workers", "1", *store) as server:
        answer = httpx.get(f"{server.base_url}/v1/contacts/",
                           headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        assert answer.status_code == 200
        assert answer.headers["x-ratelimit-max"] == "100"
        assert "x-ratelimit-remaining" not in answer.headers


def test_a_second_server_on_a_taken_port_fails_at_once(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/a.db"
    port = free_port()
    with live_server(database, tmp_path, "--no-worker", "--workers", "1", port=port):
        started = time.monotonic()
        done = run("serve", "--port", str(port), "--database", f"sqlite:///{tmp_path}/b.db")
        assert time.monotonic() - started < 20
        assert_one_line_error(done, str(port), "in use")


def test_database_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    create_location(f"sqlite:///{path}")
    side_files = [p for p in tmp_path.iterdir() if p.name.startswith("private.db")]
    assert path in side_files
    for file in side_files:
        assert file.stat().st_mode & 0o077 == 0, (file, oct(file.stat().st_mode))


def test_upgrade_says_what_it_applied_and_the_worker_refuses_an_unmigrated_database(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path}/fresh.db"
    started = time.monotonic()
    refused = run("worker", "--database", database, timeout=30)
    assert time.monotonic() - started < 20
    assert_one_line_error(refused, "db upgrade")
    first = run("db", "upgrade", "--database", database)
    assert first.returncode == 0 and f"applied migrations: {', '.join(REVISIONS)}" in first.stdout
    again = run("db", "upgrade", "--database", database)
    assert again.returncode == 0 and "already up to date" in again.stdout


def test_a_migration_stopped_midway_leaves_no_half_schema(tmp_path: Path) -> None:
    """SIGTERM while `db upgrade` runs: the database is either not migrated or migrated,
    and a later upgrade succeeds."""
    for delay in (0.3, 0.6, 0.9, 1.2):
        path = tmp_path / f"stopped-{delay}.db"
        process = subprocess.Popen(
            [CONTACTAPI, "db", "upgrade", "--database", f"sqlite:///{path}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        assert b"Traceback" not in stderr
        again = run("db", "upgrade", "--database", f"sqlite:///{path}")
        assert again.returncode == 0, again.stderr
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
                (REVISIONS[-1],)
            ]


@pytest.mark.parametrize("delay", [0.2, 0.4, 0.5, 0.55, 0.6, 0.7, 0.9, 1.2, 2.0])
def test_sigterm_at_any_moment_of_start_up_stops_the_server(tmp_path: Path, delay: float) -> None:
    database = f"sqlite:///{tmp_path}/start.db"
    assert run("db", "upgrade", "--database", database).returncode == 0
    process = subprocess.Popen(
        [CONTACTAPI, "serve", "--port", str(free_port()), "--database", database,
         "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"SIGTERM {delay}s into start-up was lost")
    # Its worker processes are gone too (nothing left in its session).
    left = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True)
    assert left.stdout.strip() == "", left.stdout


def test_sigterm_stops_a_serving_server_cleanly(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/serving.db"
    _, key = create_location(database)
    with live_server(database, tmp_path, "--no-worker", "--workers", "2") as server:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as client:
            assert client.get(f"{server.base_url}/v1/contacts/").status_code == 200
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=20)
    assert server.process.returncode == 0


def test_keys_have_ids_and_labels_are_listed_and_revoked_by_id(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/keys.db"
    location, first_key = create_location(database)
    created = run("keys", "create", "--location", location, "--label", "zapier sync",
                  "--database", database)  # fmt: skip
    assert created.returncode == 0, created.stderr
    key_id, secret = created.stdout.split()[2], created.stdout.split()[-1]
    assert secret.startswith("capi_") and key_id not in secret
    with live_server(database, tmp_path, "--no-worker", "--workers", "1") as server:
        used = httpx.get(f"{server.base_url}/v1/contacts/",
                         headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
        assert used.status_code == 200
        listed = [json.loads(line) for line in run(
            "keys", "list", "--location", location, "--json", "--database", database
        ).stdout.splitlines()]  # fmt: skip
        assert len(listed) == 2 and first_key not in json.dumps(listed)
        mine = next(k for k in listed if k["id"] == key_id)
        assert mine["label"] == "zapier sync" and mine["revoked"] is None
        assert mine["lastUsed"] is not None and mine["created"] is not None
        assert secret not in json.dumps(listed)

        revoked = run("keys", "revoke", key_id, "--database", database)
        assert revoked.returncode == 0, revoked.stderr
        time.sleep(1.2)  # the server's key cache forgets within a second
        refused = httpx.get(f"{server.base_url}/v1/contacts/",
                            headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
        assert refused.status_code == 401
    assert_one_line_error(run("keys", "revoke", key_id, "--database", database), key_id)
    after = run("keys", "list", "--location", location, "--json", "--database", database)
    assert next(json.loads(x) for x in after.stdout.splitlines() if key_id in x)["revoked"]


def test_an_agency_from_the_cli_manages_the_locations_handed_to_it(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/agency.db"
    made = run("agency", "create", "--name", "Acme Agency", "--json", "--database", database)
    assert made.returncode == 0, made.stderr
    agency = json.loads(made.stdout)
    assert set(agency) == {"id", "name", "apiKey", "apiKeyId"} and agency["name"] == "Acme Agency"
    location, location_key = create_location(database)
    second = run("agency", "keys", "create", "--agency", agency["id"], "--database", database)
    second_id, second_key = second.stdout.split()[2], second.stdout.split()[-1]
    assert second_key.startswith("capa_")
    listed = run("agency", "list", "--json", "--database", database).stdout
    assert json.loads(listed) == {"id": agency["id"], "name": "Acme Agency", "locations": 0}
    with live_server(database, tmp_path, "--no-worker", "--workers", "1") as server:
        url = f"{server.base_url}/v1/locations/{location}"

        def get(key: str, target: str = url) -> httpx.Response:
            return httpx.get(target, headers={"Authorization": f"Bearer {key}"})

        assert get(agency["apiKey"]).status_code == 422  # not the agency's yet
        handed = run("locations", "update", location, "--agency", agency["id"],
                     "--database", database)  # fmt: skip
        assert handed.returncode == 0, handed.stderr
        assert get(agency["apiKey"]).json()["id"] == location
        assert get(location_key).json()["id"] == location  # its own location
        assert get(location_key, f"{server.base_url}/v1/locations/").status_code == 401
        revoked = run("agency", "keys", "revoke", second_id, "--database", database)
        assert revoked.returncode == 0, revoked.stderr
        assert get(second_key).status_code == 401
        assert get(agency["apiKey"]).status_code == 200
    unknown = run("locations", "update", location, "--agency", "nosuchagency00000000",
                  "--database", database)  # fmt: skip
    assert_one_line_error(unknown, "no agency")


def test_every_command_and_flag_has_help() -> None:
    import click
    import typer.main

    from contactapi.cli import app

    def walk(command: click.Command, path: str) -> list[str]:
        missing = [] if (command.help or "").strip() else [f"{path}: no help"]
        for param in command.params:
            if not getattr(param, "help", None):
                missing.append(f"{path} {param.name}: no help")
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                missing += walk(sub, f"{path} {name}")
        return missing

    assert walk(typer.main.get_command(app), "contactapi") == []


def test_locations_delete_keys_create_json_and_list_headers(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/ops.db"
    location, first_key = create_location(database)
    made = run("keys", "create", "--location", location, "--label", "billing", "--json",
               "--database", database)  # fmt: skip
    key = json.loads(made.stdout)
    assert key["label"] == "billing" and key["apiKey"].startswith("capi_")
    listed = run("keys", "list", "--location", location, "--database", database).stdout
    header, *lines = listed.splitlines()
    assert header.split("\t") == ["id", "label", "prefix", "created", "last used", "revoked"]
    assert len(lines) == 2 and any(line.startswith(key["id"] + "\tbilling") for line in lines)
    locations = run("locations", "list", "--database", database).stdout.splitlines()
    assert locations[0].startswith("id\tname") and locations[1].startswith(location)
    with live_server(database, tmp_path, "--workers", "1") as server:
        headers = {"Authorization": f"Bearer {first_key}"}
        contact = httpx.post(f"{server.base_url}/v1/contacts/", headers=headers,
                             json={"email": "gone@example.com"})  # fmt: skip
        assert contact.status_code == 200
        deleted = run("locations", "delete", location, "--database", database)
        assert deleted.returncode == 0, deleted.stderr
        time.sleep(1.1)  # another process: the server's key cache holds a key for a second
        assert httpx.get(f"{server.base_url}/v1/contacts/", headers=headers).status_code == 401
        # The server's queue worker removes the data.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with sqlite3.connect(f"{tmp_path}/ops.db") as db:
                left = db.execute("SELECT count(*) FROM locations WHERE id = ?", (location,))
                if left.fetchone()[0] == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the deleted location's data was not removed")
        with sqlite3.connect(f"{tmp_path}/ops.db") as db:
            assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert run("locations", "list", "--database", database).stdout.splitlines()[1:] == []
    again = run("locations", "delete", location, "--database", database)
    assert_one_line_error(again, "no location")


def test_a_backup_under_write_load_holds_every_write_acknowledged_before_it(
    tmp_path: Path,
) -> None:
    import threading

    database = f"sqlite:///{tmp_path}/live.db"
    _, key = create_location(database)
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()
    with live_server(database, tmp_path, "--no-worker", "--workers", "2", "--rate-limit", "off",
                     "--daily-limit", "off") as server:  # fmt: skip

        def write() -> None:
            with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    made = client.post(
                        f"{server.base_url}/v1/contacts/",
                        json={"email": f"w{n}-{threading.get_ident()}@x.com"},
                    )
                    if made.status_code == 200:  # fmt: skip
                        acknowledged.append((time.monotonic(), made.json()["contact"]["id"]))

        writers = [threading.Thread(target=write) for _ in range(3)]
        for thread in writers:
            thread.start()
        time.sleep(1.0)
        started = time.monotonic()
        backed_up = run("db", "backup", str(tmp_path / "b.db"), "--database", database)
        time.sleep(0.5)
        stop.set()
        for thread in writers:
            thread.join()
    assert backed_up.returncode == 0, backed_up.stderr
    assert (tmp_path / "b.db").stat().st_mode & 0o777 == 0o600
    before = {contact_id for at, contact_id in acknowledged if at < started}
    after = {contact_id for at, contact_id in acknowledged if at >= started}
    assert len(before) > 20 and after, (len(before), len(after))
    restored = f"sqlite:///{tmp_path}/restored.db"
    done = run("db", "restore", str(tmp_path / "b.db"), "--database", restored)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "restored.db") as db:
        ids = {row[0] for row in db.execute("SELECT id FROM contacts")}
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert before <= ids
    with live_server(restored, tmp_path, "--no-worker", "--workers", "1") as server:
        listed = httpx.get(f"{server.base_url}/v1/contacts/",
                           headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        assert listed.json()["meta"]["total"] == len(ids)
    # A restore never overwrites a database unasked; PostgreSQL is pg_dump's.
    again = run("db", "restore", str(tmp_path / "b.db"), "--database", restored)
    assert_one_line_error(again, "--replace")
    assert_one_line_error(run("db", "backup", str(tmp_path / "c.db"), "--database",
                              "postgresql://u@127.0.0.1:1/x"), "pg_dump")  # fmt: skip
