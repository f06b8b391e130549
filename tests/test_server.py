"""`contactapi serve` as a process: several workers, HTTPS, the shared rate limit, logs."""

from __future__ import annotations

import resource
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import orjson

from tests.live import create_location, live_server, wait_for_processes


def _hammer(url: str, key: str, seconds: float, threads: int) -> list[httpx.Response]:
    """GETs from several threads for `seconds`; every answer."""
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
            while time.monotonic() < deadline:
                response = client.get(url)
                with lock:
                    answers.append(response)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def test_rate_limit_holds_across_three_processes(database_url: str, tmp_path: Path) -> None:
    _, key = create_location(database_url)
    args = ("--workers", "3", "--rate-limit", "60/4s", "--no-worker")
    with live_server(database_url, tmp_path, *args) as server:
        url = f"{server.base_url}/v1/contacts/lookup?email=a@example.com"
        answers = _hammer(url, key, seconds=3.5, threads=6)
    allowed = [a for a in answers if a.status_code == 200]
    limited = [a for a in answers if a.status_code == 429]
    assert len(allowed) + len(limited) == len(answers)
    # Any 4 s window holds at most 60; 3.5 s of load from a cold start lets through exactly 60.
    assert 54 <= len(allowed) <= 60, (len(allowed), len(answers))
    assert limited, "the load should have passed the limit"
    for answer in limited:
        assert answer.json() == {"msg": "Too Many Requests"}
        assert 1 <= int(answer.headers["retry-after"]) <= 4
    for answer in answers:
        assert answer.headers["x-ratelimit-max"] == "60"
        assert answer.headers["x-ratelimit-interval-milliseconds"] == "4000"
        assert 0 <= int(answer.headers["x-ratelimit-remaining"]) <= 59


def test_https_with_certificate(database_url: str, tmp_path: Path) -> None:
    cert, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key_file), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    _, key = create_location(database_url)
    args = ("--ssl-certfile", str(cert), "--ssl-keyfile", str(key_file), "--no-worker")
    with live_server(database_url, tmp_path, *args, scheme="https") as server:
        assert server.base_url.startswith("https://")
        response = httpx.post(
            f"{server.base_url}/v1/contacts/",
            json={"email": "tls@example.com"},
            headers={"Authorization": f"Bearer {key}"},
            verify=False,
        )
        assert response.status_code == 200
        assert response.json()["contact"]["email"] == "tls@example.com"


def test_access_log_is_one_json_line_per_request_without_secrets(
    database_url: str, tmp_path: Path
) -> None:
    location_id, key = create_location(database_url)
    with live_server(database_url, tmp_path, "--no-worker") as server:
        response = httpx.post(
            f"{server.base_url}/v1/contacts/",
            json={"email": "logged@example.com", "source": "secret-body-value"},
            headers={"Authorization": f"Bearer {key}", "X-Request-Id": "trace-123"},
        )
        assert response.headers["x-request-id"] == "trace-123"
        contact_id = response.json()["contact"]["id"]
        read = httpx.get(
            f"{server.base_url}/v1/contacts/{contact_id}",
            headers={"Authorization": f"Bearer {key}"},
        )
        generated = read.headers["x-request-id"]
        assert generated and generated != "trace-123"
        missing = httpx.get(f"{server.base_url}/v1/nowhere")
        assert missing.headers["x-request-id"]
    lines = [orjson.loads(line) for line in server.log.splitlines() if line.startswith("{")]
    by_id = {line["request_id"]: line for line in lines}
    assert by_id["trace-123"] == {
        "method": "POST",
        "route": "/v1/contacts",
        "status": 200,
        "duration_ms": by_id["trace-123"]["duration_ms"],
        "location_id": location_id,
        "request_id": "trace-123",
    }
    assert by_id[generated]["route"] == "/v1/contacts/{id}"
    assert by_id[generated]["status"] == 200
    assert by_id[missing.headers["x-request-id"]]["status"] == 404
    assert key not in server.log and "secret-body-value" not in server.log


def test_processes_writing_one_database_lose_nothing_and_dedupe_across_them(
    database_url: str, tmp_path: Path
) -> None:
    _, key = create_location(database_url)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def run(thread: int, base_url: str) -> None:
        # A new connection per request, so that the kernel spreads them over the processes.
        fresh = httpx.Limits(max_keepalive_connections=0)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(headers=headers, timeout=30, limits=fresh) as client:
            for n in range(20):
                # Every fourth create is the same contact, sent from every thread.
                email = "same@example.com" if n % 4 == 0 else f"t{thread}-{n}@example.com"
                response = client.post(f"{base_url}/v1/contacts/", json={"email": email})
                with lock:
                    answers.append(response)

    args = ("--workers", "3", "--no-worker", "--rate-limit", "off")
    with live_server(database_url, tmp_path, *args) as server:
        wait_for_processes(server, 3)
        threads = [threading.Thread(target=run, args=(t, server.base_url)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        listed = httpx.get(
            f"{server.base_url}/v1/contacts/?limit=1", headers={"Authorization": f"Bearer {key}"}
        )
    assert [a.status_code for a in answers] == [200] * 160
    # A request id carries the id of the process that answered (after a 12-digit prefix).
    assert len({a.headers["x-request-id"][12:18] for a in answers}) >= 2
    contacts = [a.json()["contact"] for a in answers]
    same = {c["id"] for c in contacts if c["email"] == "same@example.com"}
    assert len(same) == 1
    assert listed.json()["meta"]["total"] == 8 * 15 + 1


def test_ten_thousand_idle_connections_neither_block_others_nor_stay_open(
    database_url: str, tmp_path: Path
) -> None:
    """Connections that send nothing are closed after 10 s; meanwhile the server answers."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20_000)), hard))
    with live_server(database_url, tmp_path, "--no-worker", "--workers", "2") as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(10_000)]
        try:
            for _ in range(5):
                started = time.monotonic()
                assert httpx.get(f"{server.base_url}/health", timeout=5).status_code == 200
                assert time.monotonic() - started < 1.0
            time.sleep(11)
            still_open = 0
            for connection in idle:
                connection.setblocking(False)
                try:
                    closed = connection.recv(1) == b""
                except BlockingIOError:
                    closed = False
                except OSError:
                    closed = True
                still_open += not closed
            assert still_open == 0, f"{still_open} idle connections outlived the 10 s timeout"
        finally:
            for connection in idle:
                connection.close()


def test_malformed_chunks_and_disconnects_are_400_without_a_traceback(
    database_url: str, tmp_path: Path
) -> None:
    _, key = create_location(database_url)
    head = (
        "POST /v1/contacts/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\n"
    ).encode()
    with live_server(database_url, tmp_path, "--no-worker", "--workers", "1") as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as malformed:
            malformed.sendall(head + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n")
            answer = malformed.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:100]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as gone:
            gone.sendall(head + b'Content-Length: 100\r\n\r\n{"email": "half')
            time.sleep(0.3)
        time.sleep(0.5)
        log = server.log
    assert "Traceback" not in log and "ERROR" not in log, log[-2000:]
    entries = [orjson.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert [e["status"] for e in entries if e["route"] == "/v1/contacts"] == [400, 400]
