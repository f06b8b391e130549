"""What recording metrics costs a contact read: GET by id with metrics on and off, alternately.

    flock /tmp/bench.lock .venv/bin/python -m bench.bench_metrics [--seconds 5] [--rounds 5]

Starts two `contactapi serve` (default processes, SQLite, rate limit off), one with metrics on
(the default: multi-process mode, every request counted and timed) and one with
CONTACTAPI_METRICS=false, each on a database of its own, plus the yardstick; wrk (-t2 -c64)
drives each in turn, round after round. Prints each one's requests per second, p50/p99 and
ratio to the yardstick, and the ratio on/off of each round and their median.
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.bench_contacts import GET_SCRIPT, make_contact, report
from bench.common import WrkResult, create_location, median, serve, wrk, yardstick


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with ExitStack() as stack:
        targets: dict[str, tuple[str, str]] = {}
        for name, env in (("metrics on", {}), ("metrics off", {"CONTACTAPI_METRICS": "false"})):
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            key = create_location(workdir)["apiKey"]
            api = stack.enter_context(serve(workdir, env=env)).url
            targets[name] = (f"{api}/v1/contacts/{make_contact(api, key)}", key)
        ystick = stack.enter_context(yardstick())
        wrk(ystick + "/", 2)  # warm-up
        for url, key in targets.values():
            wrk(url, 2, GET_SCRIPT.replace("KEY", key))
        base: list[WrkResult] = []
        results: dict[str, list[WrkResult]] = {name: [] for name in targets}
        for round_number in range(args.rounds):
            base.append(wrk(ystick + "/", args.seconds))
            order = list(targets.items())
            for name, (url, key) in order[:: 1 if round_number % 2 else -1]:  # neither always first
                results[name].append(wrk(url, args.seconds, GET_SCRIPT.replace("KEY", key)))
    report("yardstick", base, base)
    for name, found in results.items():
        report(name, found, base)
    ratios = [on.rps / off.rps for on, off in
              zip(results["metrics on"], results["metrics off"], strict=True)]  # fmt: skip
    print("on/off per round: " + " ".join(f"{ratio:.3f}" for ratio in ratios))
    print(f"on/off median {median(ratios):.3f}: metrics cost {1 - median(ratios):+.1%} of reads")


if __name__ == "__main__":
    main()
