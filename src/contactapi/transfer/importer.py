"""`contactapi import`: contacts from a CSV or JSON Lines file, through the contacts service
(the API's upsert, validation, tags, custom fields and events), BATCH rows per transaction.

Each batch's transaction also records how many rows are done (`transfer_progress`, keyed by
the file's content), so an interrupted import, run again on the same file, starts after the
last committed batch: nothing is written twice, nothing is skipped. Bad rows go to
`FILE.rejects.csv` (row, field, message) once their batch has committed."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from contactapi.contacts.schemas import prepare_contact
from contactapi.contacts.service import ContactService
from contactapi.db.engine import Connection, create_database
from contactapi.errors import ValidationFailed
from contactapi.settings import Settings
from contactapi.transfer.columns import (
    ColumnPlan,
    CustomField,
    body_from_cells,
    body_from_json,
    plan_columns,
)
from contactapi.transfer.files import (
    Format,
    Record,
    Unreadable,
    content_hash,
    count_rows,
    csv_headers,
    read_rows,
)
from contactapi.transfer.location import fields_of, location_scope
from contactapi.transfer.progress import Reporter
from contactapi.transfer.repository import ProgressRows

BATCH = 1000
REJECT_COLUMNS = ("row", "field", "message")

# (data row number, field, message)
Reject = tuple[int, str, str]


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    rejected: int = 0
    # Rows a previous, interrupted run had done already.
    resumed_after: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0


def rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


def import_file(
    settings: Settings,
    location_id: str,
    path: Path,
    fmt: Format,
    mapping: Mapping[str, str],
    progress: Reporter,
) -> ImportReport:
    """Raises LocationError (unknown location), UnknownTarget (a bad `--map`), BadFile."""
    started = time.monotonic()
    job = f"import:{content_hash(path)}"
    progress.update(0, count_rows(path, fmt))
    report = asyncio.run(_import(settings, location_id, path, fmt, mapping, job, progress))
    report.seconds = time.monotonic() - started
    return report


async def _import(
    settings: Settings,
    location_id: str,
    path: Path,
    fmt: Format,
    mapping: Mapping[str, str],
    job: str,
    progress: Reporter,
) -> ImportReport:
    db = create_database(settings)
    await db.connect()
    try:

        async def start(conn: Connection) -> tuple[list[CustomField], dict[str, Any] | None]:
            scope = await location_scope(conn, location_id)
            return await fields_of(scope), await ProgressRows(conn, location_id).get(job)

        fields, state = await db.run(start, write=False)
        report = ImportReport()
        report.resumed_after = report.rows = int(state["rows"]) if state else 0
        report.rejected = int(state["rejected"]) if state else 0
        progress.advance(report.rows)
        bodies = _bodies(path, fmt, fields, mapping, report)
        rejects = _RejectsFile(rejects_path(path), append=state is not None)
        with rejects:
            rows = islice(bodies, report.rows, None)
            while batch := list(islice(rows, BATCH)):
                done = report.rows + len(batch)

                async def work(conn: Connection, batch: list[Any] = batch,
                               done: int = done) -> list[Reject]:  # fmt: skip
                    found = await _upsert_batch(conn, location_id, batch)
                    rejected = report.rejected + _rows_in(found)
                    await ProgressRows(conn, location_id).save(
                        job, {"rows": done, "rejected": rejected}
                    )
                    return found

                found = await db.run(work, write=True)
                rejects.write(found)
                report.imported += len(batch) - _rows_in(found)
                report.rows, report.rejected = done, report.rejected + _rows_in(found)
                progress.advance(len(batch))
        await db.run(lambda conn: ProgressRows(conn, location_id).finish(job), write=True)
        return report
    finally:
        await db.close()


def _bodies(
    path: Path,
    fmt: Format,
    fields: list[CustomField],
    mapping: Mapping[str, str],
    report: ImportReport,
) -> Iterator[tuple[int, dict[str, Any] | Unreadable]]:
    """Each data row as a contact body (or why it is none), columns planned once per header."""
    plans: dict[tuple[str, ...], ColumnPlan] = {}

    def plan_for(headers: tuple[str, ...]) -> ColumnPlan:
        plan = plans.get(headers)
        if plan is None:
            plan = plans[headers] = plan_columns(headers, fields, mapping)
            report.ignored_columns += [h for h in plan.ignored if h not in report.ignored_columns]
        return plan

    if fmt == "csv":
        plan = plan_for(tuple(csv_headers(path)))
    for number, record in read_rows(path, fmt):
        if isinstance(record, Unreadable):
            yield number, record
        elif fmt == "csv":
            yield number, body_from_cells(record, plan)
        else:
            yield number, body_from_json(record, plan_for(tuple(record)))


async def _upsert_batch(
    conn: Connection, location_id: str, batch: list[tuple[int, Record | Unreadable]]
) -> list[Reject]:
    scope = await location_scope(conn, location_id)
    contacts = ContactService(scope)
    rejects: list[Reject] = []
    for number, body in batch:
        if isinstance(body, Unreadable):
            rejects.append((number, "", body.message))
            continue
        try:
            await contacts.upsert(prepare_contact(body, scope.location))
        except ValidationFailed as exc:
            rejects.extend((number, key, problem["message"]) for key, problem in exc.errors.items())
    return rejects


def _rows_in(rejects: list[Reject]) -> int:
    return len({number for number, _, _ in rejects})


class _RejectsFile:
    """`FILE.rejects.csv`: created on a fresh start, appended to on a resume, removed at the end
    when it holds no row."""

    def __init__(self, path: Path, *, append: bool) -> None:
        self.path = path
        self.append = append and path.exists()
        self.rows = 0

    def __enter__(self) -> _RejectsFile:
        self.file = self.path.open("a" if self.append else "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file)
        if not self.append:
            self.writer.writerow(REJECT_COLUMNS)
        return self

    def write(self, rejects: list[Reject]) -> None:
        if rejects:
            self.writer.writerows(rejects)
            self.file.flush()
            self.rows += len(rejects)

    def __exit__(self, *exc: object) -> None:
        self.file.close()
        if not self.append and self.rows == 0 and exc[0] is None:
            self.path.unlink()
