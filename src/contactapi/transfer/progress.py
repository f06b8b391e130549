"""The progress display of the long commands (seed, import, export, migrate): a `rich` bar
(rows, rows per second, time left) on a terminal; elsewhere (a log, CI, a pipe) a plain line
every few seconds and one at the end, so a log shows progress without a line per batch."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

# How often the plain display writes a line.
PLAIN_INTERVAL_S = 5.0


class Reporter(Protocol):
    def advance(self, rows: int) -> None: ...

    def update(self, done: int, total: int | None = None) -> None:
        """`done` rows so far (and, when it became known, the total)."""
        ...


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {task.fields.get('unit', 'rows')}/s" if speed else "")


class _RichReporter:
    def __init__(self, progress: Progress, task: object) -> None:
        self.progress, self.task = progress, task

    def advance(self, rows: int) -> None:
        self.progress.advance(self.task, rows)  # type: ignore[arg-type]

    def update(self, done: int, total: int | None = None) -> None:
        self.progress.update(self.task, completed=done, total=total)  # type: ignore[arg-type]


class PlainReporter:
    """`label: done/total unit, N unit/s, T s left` every `interval` seconds, and at the end."""

    def __init__(
        self, label: str, total: int | None, unit: str, stream: TextIO, interval: float
    ) -> None:
        self.label, self.total, self.unit, self.stream = label, total, unit, stream
        self.interval = interval
        self.done = 0
        self.started = self.last = time.monotonic()

    def advance(self, rows: int) -> None:
        self.update(self.done + rows)

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        self.total = total if total is not None else self.total
        if time.monotonic() - self.last >= self.interval:
            self.write()

    def write(self) -> None:
        self.last = now = time.monotonic()
        rate = self.done / max(now - self.started, 1e-9)
        of = f"/{self.total:,}" if self.total is not None else ""
        line = f"{self.label}: {self.done:,}{of} {self.unit}, {rate:,.0f} {self.unit}/s"
        if self.total is not None and rate > 0 and self.done < self.total:
            line += f", {(self.total - self.done) / rate:,.0f} s left"
        print(line, file=self.stream, flush=True)


@contextmanager
def progress(
    label: str,
    total: int | None,
    unit: str = "rows",
    stream: TextIO | None = None,
    interval: float = PLAIN_INTERVAL_S,
) -> Iterator[Reporter]:
    """A progress display on `stream` (stderr): a bar when it is a terminal."""
    out = stream or sys.stderr
    if not out.isatty():
        plain = PlainReporter(label, total, unit, out, interval)
        yield plain
        plain.write()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), _RowsPerSecond(), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=Console(file=out)) as bar:
        yield _RichReporter(bar, bar.add_task(label, total=total, unit=unit))
