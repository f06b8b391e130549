"""POST create and GET by id against the yardstick, alternately, in one run.

    .venv/bin/python -m bench.bench_contacts [--seconds 5] [--rounds 3]

Starts `contactapi serve` with default settings (SQLite file in a temp dir, durable commits,
auth and validation on) but the rate limit off, and the yardstick (bench/yardstick.py) on
uvicorn with uvloop and httptools; wrk (-t2 -c64) drives each in turn. Prints requests per
second and p50/p99 latency, each also as a ratio to the yardstick measured in the same round.
"""

from __future__ import annotations

import argparse
import json
import secrets
import tempfile
import urllib.request
from pathlib import Path

from bench.common import WrkResult, contactapi_server, create_location, median, wrk, yardstick

_POST_SCRIPT = """
local counter = 0
local threads = 0
-- Phones must be valid numbers: area codes in use, exchanges 200-999 (all valid there).
local areas = {212, 213, 312, 415, 617, 646, 718, 917, 202, 303,
               305, 404, 503, 602, 702, 713, 801, 206, 214, 512}
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
  thread:set("run", RUN)
end
function request()
  counter = counter + 1
  -- Every request is a new contact: email and phone unique per thread, run and request.
  local area = areas[(run + tid) % #areas + 1]
  local exchange = 200 + (math.floor(run / 20) + math.floor(counter / 10000)) % 800
  local phone = string.format("+1%03d%03d%04d", area, exchange, counter % 10000)
  local body = '{"email": "bench-' .. run .. '-' .. tid .. '-' .. counter .. '@example.com", '
    .. '"firstName": "Bench", "lastName": "Mark", "phone": "' .. phone .. '", '
    .. '"companyName": "Acme Realty", "tags": ["bench", "wrk"], "source": "wrk"}'
  return wrk.format("POST", "/v1/contacts/", {["Authorization"] = "Bearer KEY",
    ["Content-Type"] = "application/json"}, body)
end
"""


def post_script(key: str) -> str:
    """A wrk script whose every request creates a contact. Each call gives the emails and
    phones a new run number: wrk's Lua random numbers are the same in every process, so
    a run number drawn there would make every later round update the first round's
    contacts instead of creating new ones."""
    run = secrets.randbelow(10**9)
    return _POST_SCRIPT.replace("KEY", key).replace("RUN", str(run))


GET_SCRIPT = """
wrk.headers["Authorization"] = "Bearer KEY"
"""


def make_contact(base: str, key: str) -> str:
    body = json.dumps({"email": "bench@example.com", "firstName": "Bench", "tags": ["a"]}).encode()
    request = urllib.request.Request(
        base + "/v1/contacts/",
        data=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        contact_id: str = json.loads(response.read())["contact"]["id"]
    return contact_id


def contact_count(base: str, key: str) -> int:
    request = urllib.request.Request(
        base + "/v1/contacts/?limit=1", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request) as response:
        total: int = json.loads(response.read())["meta"]["total"]
    return total


def report(name: str, results: list[WrkResult], base: list[WrkResult]) -> None:
    rps = median([r.rps for r in results])
    p50 = median([r.p50_ms for r in results])
    p99 = median([r.p99_ms for r in results])
    ratio = median([r.rps / b.rps for r, b in zip(results, base, strict=True)])
    print(
        f"{name:<12} {rps:>9.0f} req/s  ratio {ratio:5.3f}   p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        key = create_location(workdir)["apiKey"]
        with yardstick() as ystick, contactapi_server(workdir) as api:
            contact_id = make_contact(api, key)
            get_script = GET_SCRIPT.replace("KEY", key)
            wrk(ystick + "/", 2)  # warm-up
            wrk(f"{api}/v1/contacts/{contact_id}", 2, get_script)
            base, gets, posts = [], [], []
            for _ in range(args.rounds):
                base.append(wrk(ystick + "/", args.seconds))
                gets.append(wrk(f"{api}/v1/contacts/{contact_id}", args.seconds, get_script))
                posts.append(wrk(api + "/", args.seconds, post_script(key)))
            report("yardstick", base, base)
            report("GET by id", gets, base)
            report("POST create", posts, base)
            # Each answered POST made a new contact (requests still in flight when wrk stopped
            # may add a few more): the figure is of creates, not of updates.
            created, answered = contact_count(api, key) - 1, sum(r.requests for r in posts)
            print(f"contacts created: {created} for {answered} answered POSTs")
            if created < answered:
                raise SystemExit("some POSTs updated a contact instead of creating one")


if __name__ == "__main__":
    main()
