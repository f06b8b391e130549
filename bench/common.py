"""Shared benchmark plumbing: free ports, servers as subprocesses, wrk runs and their figures."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def yardstick() -> Iterator[str]:
    port = free_port()
    args = [str(BIN / "uvicorn"), "bench.yardstick:app", "--port", str(port), "--loop", "uvloop",
            "--http", "httptools", "--log-level", "warning", "--no-access-log"]  # fmt: skip
    with process(args, ROOT):
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/")
        yield base


@contextmanager
def contactapi_server(workdir: Path, *extra: str) -> Iterator[str]:
    """`contactapi serve` as a user runs it, in `workdir` (its default SQLite file lives there)."""
    port = free_port()
    args = [str(BIN / "contactapi"), "serve", "--port", str(port), "--rate-limit", "off", *extra]
    with process(args, workdir):
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/health")
        yield base


def create_location(workdir: Path, *extra: str) -> dict[str, str]:
    out = subprocess.run(
        [str(BIN / "contactapi"), "locations", "create", "--name", "Bench", "--json", *extra],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    return result


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no {percentile}% latency in wrk output:\n{text}")
    return float(match[1]) * _UNITS[match[2]]


def wrk(url: str, seconds: int, script: str | None = None, connections: int = 64) -> WrkResult:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    if script:
        args += ["-s", lua.name]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx[1]} failed requests against {url}:\n{out}")
    return WrkResult(rps, _latency(out, "50"), _latency(out, "99"))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
