"""Prometheus metrics: what the server and its workers count, and the text `/metrics` answers.

Each process records into its own `Recorder`; the server's processes (`serve --workers N`) and
any `contactapi worker` write their values to memory-mapped files in one directory
(prometheus_client's multi-process mode), which every scrape adds up. The directory is cleaned
of dead processes' files when `serve` starts (`prepare_directory`); the live gauges of a process
that died are dropped at the next scrape.

Recording sits on every request's path, so it is kept to a dictionary lookup and a few
additions: a request's series (route template, method, status) are made once and cached, and
its figures are added to the files every FLUSH_SECONDS.

The queue's depth and oldest job, and the webhook outbox's backlog, are read from the database
at each scrape: they are the cluster's, not a process's.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
from bisect import bisect_left
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

# Request latency in seconds: most answers take well under a millisecond.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
# Write transactions per SQLite group commit.
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # a path no route serves (a 404): one series, whatever the path
# How often a process adds its requests' figures to the shared files.
FLUSH_SECONDS = 0.5
_LIVE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")
_PID_FILE = re.compile(r"^\w+_(\d+)\.db$")

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Recorder:
    """One process's metrics. `multiprocess`: values go to files in the directory that the
    environment's PROMETHEUS_MULTIPROC_DIR names (set by `start`)."""

    def __init__(self, multiprocess: bool) -> None:
        if multiprocess:
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
        registry = CollectorRegistry(auto_describe=True)
        self.registry = registry
        self.requests = Counter(
            "contactapi_requests", "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"], registry=registry,
        )  # fmt: skip
        self.latency = Histogram(
            "contactapi_request_duration_seconds",
            "Time from a request's arrival to its answer, by route template and method.",
            ["route", "method"], buckets=LATENCY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.batches = Histogram(
            "contactapi_sqlite_commit_batch_size",
            "Write transactions committed together by one SQLite group commit.",
            buckets=BATCH_BUCKETS, registry=registry,
        )  # fmt: skip
        self.jobs = Counter(
            "contactapi_jobs", "Queued jobs run, by kind and outcome (done, failed).",
            ["kind", "outcome"], registry=registry,
        )  # fmt: skip
        self.webhook_attempts = Counter(
            "contactapi_webhook_attempts",
            "Webhook delivery attempts, by result: the answer's status class (2xx, 4xx, 5xx,"
            " 410), timeout, refused (a forbidden address) or error (no answer).",
            ["result"], registry=registry,
        )  # fmt: skip
        self.processes = Gauge(
            "contactapi_processes",
            "Processes recording metrics, by role: server (an API process) or worker (a"
            " `contactapi worker`). One that died leaves the sum at the next scrape.",
            ["role"], registry=registry, multiprocess_mode="livesum",
        )  # fmt: skip
        self.refusals = Counter(
            "contactapi_rate_limit_refusals",
            "Requests refused with 429 by the rate limit or the daily quota.",
            registry=registry,
        )  # fmt: skip
        # (endpoint, method, status) -> its requests since the last flush.
        self._series: dict[tuple[Any, str, int], _Tally] = {}
        self._batch_sizes = _Tally(self.batches, BATCH_BUCKETS)
        self._tallies: list[_Tally] = [self._batch_sizes]
        self._flush_scheduled = False

    def request(self, endpoint: Any, route: str | None, method: str, status: int,
                seconds: float) -> None:  # fmt: skip
        """Counts one answered request (`route`: its template, None when no route matched)."""
        if method not in METHODS:
            method = "OTHER"  # any token is a method to HTTP: one series for the rest
        key = (endpoint, method, status)
        series = self._series.get(key)
        if series is None:
            template = route or UNMATCHED
            series = self._series[key] = _Tally(
                self.latency.labels(template, method),
                LATENCY_BUCKETS,
                self.requests.labels(template, method, str(status)),
            )
            self._tallies.append(series)
        series.observe(seconds)
        if not self._flush_scheduled:
            self._schedule_flush()

    def commit_batch(self, size: int) -> None:
        self._batch_sizes.observe(size)
        if not self._flush_scheduled:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_scheduled = True
        loop.call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        """Adds what was observed since the last flush to the metrics (their files)."""
        self._flush_scheduled = False
        for tally in self._tallies:
            tally.flush()


class _Tally:
    """A histogram series' observations (and a counter's, which counts them too) since the
    last flush, kept in plain numbers: writing each to the shared files at once cost 12 µs,
    on every request's path."""

    __slots__ = ("bounds", "buckets", "count", "counter", "histogram", "total")

    def __init__(self, histogram: Any, bounds: tuple[float, ...], counter: Any = None) -> None:
        self.histogram = histogram
        self.bounds = bounds
        self.counter = counter
        self.count = 0
        self.total = 0.0
        self.buckets = [0] * (len(bounds) + 1)  # the last: +Inf

    def observe(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.buckets[bisect_left(self.bounds, value)] += 1  # the first bound >= value

    def flush(self) -> None:
        if not self.count:
            return
        if self.counter is not None:
            self.counter.inc(self.count)
        # prometheus_client observes one value at a time: its series are added to directly.
        self.histogram._sum.inc(self.total)
        for index, count in enumerate(self.buckets):
            if count:
                self.histogram._buckets[index].inc(count)
                self.buckets[index] = 0
        self.count, self.total = 0, 0.0


_recorder: Recorder | None = None
_directory: str | None = None


def start(enabled: bool, directory: str, role: str) -> Recorder | None:
    """This process's recorder (made once): None when metrics are off. `directory`: the
    multi-process directory, or "" to keep values in this process's memory."""
    global _recorder, _directory
    if not enabled:
        return None
    if _recorder is None:
        if directory:
            # prometheus_client reads its directory from the environment; the setting is ours.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
            _directory = directory
        _recorder = Recorder(multiprocess=bool(directory))
        _recorder.processes.labels(role).set(1)
    return _recorder


def stop() -> None:
    """This process stops writing: what it observed is written, its live gauges leave."""
    if _recorder is not None:
        _recorder.flush()
    if _directory is not None:
        mark_process_dead(os.getpid(), _directory)  # type: ignore[no-untyped-call]


# The hooks the rest of the code calls: nothing when metrics are off.


def commit_batch(size: int) -> None:
    if _recorder is not None:
        _recorder.commit_batch(size)


def job_run(kind: str, done: bool) -> None:
    if _recorder is not None:
        _recorder.jobs.labels(kind, "done" if done else "failed").inc()


def webhook_attempt(status: int | None, error: str | None) -> None:
    if _recorder is None:
        return
    if status is not None:
        result = "410" if status == 410 else f"{status // 100}xx"
    elif error and error.startswith("refused"):
        result = "refused"
    elif error and error.startswith("timed out"):
        result = "timeout"
    else:
        result = "error"
    _recorder.webhook_attempts.labels(result).inc()


def rate_limit_refused() -> None:
    if _recorder is not None:
        _recorder.refusals.inc()


# The multi-process directory.


def default_directory(state_dir: Path, database_url: str) -> Path:
    """Where the processes of one server and its `contactapi worker`s (same machine, same
    database) meet, when no directory is set. A new one after a reboot: files are known by
    process id, and ids are handed out again from the start."""
    with contextlib.suppress(OSError):
        database_url += "\n" + Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return state_dir / f"metrics-{digest}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_directory(directory: Path) -> None:
    """Made private if missing; the files of processes no longer running are removed (a new
    server starts its counts afresh), those of running `contactapi worker`s kept."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for entry in directory.iterdir():
        match = _PID_FILE.match(entry.name)
        if match and not _alive(int(match[1])):
            entry.unlink(missing_ok=True)


def _mark_dead_processes(directory: str) -> None:
    for name in os.listdir(directory):
        match = _LIVE_FILE.match(name)
        if match and not _alive(int(match[1])):
            mark_process_dead(int(match[1]), directory)  # type: ignore[no-untyped-call]


# The scrape.


def queue_families(jobs: list[dict[str, Any]], pending_webhooks: int, now_ms: int) -> list[Metric]:
    depth = GaugeMetricFamily(
        "contactapi_queue_jobs", "Jobs in the queue (due, scheduled or running), by kind.",
        labels=["kind"],
    )  # fmt: skip
    age = GaugeMetricFamily(
        "contactapi_queue_oldest_job_age_seconds",
        "Age of the oldest job in the queue, by kind.", labels=["kind"],
    )  # fmt: skip
    for row in jobs:
        depth.add_metric([row["kind"]], row["jobs"])
        age.add_metric([row["kind"]], max(0.0, (now_ms - row["oldest"]) / 1000))
    backlog = GaugeMetricFamily(
        "contactapi_webhook_deliveries_pending",
        "Webhook deliveries not yet delivered nor given up.", value=pending_webhooks,
    )  # fmt: skip
    return [depth, age, backlog]


def exposition(recorder: Recorder, database_families: list[Metric]) -> bytes:
    """The text of one scrape: every process's values (or this one's) and the database's.
    The other processes' figures are up to FLUSH_SECONDS old."""
    if _directory is not None:
        _mark_dead_processes(_directory)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, _directory)  # type: ignore[no-untyped-call]
    else:
        registry = recorder.registry
    text = generate_latest(registry)
    return text + generate_latest(_Registry(database_families))


class _Registry(CollectorRegistry):
    def __init__(self, families: list[Metric]) -> None:
        super().__init__(auto_describe=False)
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families
