"""`contactapi import`: contacts from a CSV or JSON Lines file, through the contacts service
(the API's upsert, validation, tags, custom fields and events), in chunks of rows, each its own
transaction (the database's `bulk_rows`, `bulk_transactions` at once).

Each chunk's transaction also records that the chunk is done (a `transfer_progress` row keyed
by the file's content and the chunk's number), so an interrupted import, run again on the same
file, skips exactly the chunks that committed: nothing is written twice, nothing is skipped.
Bad rows go to `FILE.rejects.csv` (row, field, message) once their chunk has committed."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import time
from collections.abc import Awaitable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.contacts.schemas import ContactInput
from contactapi.contacts.service import ContactService
from contactapi.db.engine import Connection, Database, create_database
from contactapi.errors import ValidationFailed
from contactapi.scope import Location
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
    Unreadable,
    content_hash,
    count_rows,
    csv_headers,
    read_rows,
)
from contactapi.transfer.location import fields_of, location_scope
from contactapi.transfer.parsing import Parsed, Parser, Prepared, Row, prepare_chunk
from contactapi.transfer.progress import Reporter
from contactapi.transfer.repository import ProgressRows

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
    # The file and how it is read: a rerun with another `--map` or format is another job.
    how = hashlib.sha256(orjson.dumps([fmt, sorted(mapping.items())])).hexdigest()[:16]
    job = f"import:{content_hash(path)}:{how}"
    parser = Parser()
    try:
        progress.update(0, count_rows(path, fmt))
        report = asyncio.run(
            _import(settings, location_id, path, fmt, mapping, job, progress, parser)
        )
    finally:
        parser.close()
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
    parser: Parser,
) -> ImportReport:
    db = create_database(settings)
    await db.connect()
    try:

        async def start(conn: Connection) -> tuple[Location, list[CustomField], dict[int, int]]:
            scope = await location_scope(conn, location_id)
            done = await ProgressRows(conn, location_id).chunks(job)
            return scope.location, await fields_of(scope), done

        location, fields, done = await db.run(start, write=False)
        report = ImportReport(rejected=sum(done.values()))
        chunks = _chunks(_bodies(path, fmt, fields, mapping, report), db.dialect.bulk_rows)
        with _RejectsFile(rejects_path(path), append=bool(done)) as rejects:
            writer = _ChunkWriter(db, location_id, job, report, rejects, progress)
            todo = _not_done(chunks, done, report, progress)
            async for parsed in parser.prepared(location, todo):
                await writer.add(parsed)
            await writer.finish()
        await db.run(lambda conn: ProgressRows(conn, location_id).finish(job), write=True)
        return report
    finally:
        await db.close()


def _not_done(
    chunks: Iterator[tuple[int, list[Row]]],
    done: dict[int, int],
    report: ImportReport,
    progress: Reporter,
) -> Iterator[tuple[int, list[Row]]]:
    """The chunks a previous run did not commit; those it did are counted, and skipped."""
    for number, chunk in chunks:
        if number in done:
            report.rows += len(chunk)
            report.resumed_after += len(chunk)
            progress.advance(len(chunk))
        else:
            yield number, chunk


def _chunks(bodies: Iterator[Row], size: int) -> Iterator[tuple[int, list[Row]]]:
    number = 0
    while chunk := list(islice(bodies, size)):
        yield number, chunk
        number += 1


class _ChunkWriter:
    """Chunks written `bulk_transactions` at once, each its own transaction with its progress
    row (on SQLite, those ready together share one commit). A chunk whose transaction failed
    rolled back whole, and is written again, alone, once the others are done."""

    def __init__(self, db: Database, location_id: str, job: str, report: ImportReport,
                 rejects: _RejectsFile, progress: Reporter) -> None:  # fmt: skip
        self.db, self.location_id, self.job = db, location_id, job
        self.report, self.rejects, self.progress = report, rejects, progress
        self.at_once = db.dialect.bulk_transactions
        self.running: dict[asyncio.Future[list[Reject]], Parsed] = {}
        self.failed: list[Parsed] = []

    async def add(self, chunk: Parsed) -> None:
        while len(self.running) >= self.at_once:
            await self._collect()
        self.running[asyncio.ensure_future(self._write(chunk))] = chunk

    async def finish(self) -> None:
        while self.running:
            await self._collect()
        for chunk in self.failed:
            self._done(chunk, await self._write(chunk))

    def _write(self, chunk: Parsed) -> Awaitable[list[Reject]]:
        return self.db.run(partial(_write_chunk, self.location_id, self.job, chunk), write=True)

    async def _collect(self) -> None:
        finished, _ = await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
        for task in finished:
            chunk = self.running.pop(task)
            if task.exception() is not None:
                self.failed.append(chunk)
            else:
                self._done(chunk, task.result())

    def _done(self, chunk: Parsed, found: list[Reject]) -> None:
        self.rejects.write(found)
        self.report.rows += len(chunk.rows)
        self.report.rejected += _rows_in(found)
        self.report.imported += len(chunk.rows) - _rows_in(found)
        self.progress.advance(len(chunk.rows))


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


async def _write_chunk(location_id: str, job: str, chunk: Parsed, conn: Connection) -> list[Reject]:
    """The chunk's upserts, and its progress row, which a resumed import skips it by."""
    scope = await location_scope(conn, location_id)
    contacts = ContactService(scope)
    prepared = chunk.prepared
    if scope.location.country != chunk.location.country:  # changed since: read by its rules
        prepared = prepare_chunk(scope.location, chunk.rows)
    unmatched = await _Unmatched.of(contacts, prepared)
    rejects: list[Reject] = []
    for row, checked in prepared:
        if isinstance(checked, Unreadable):
            rejects.append((row, "", checked.message))
            continue
        try:
            await contacts.upsert(checked, unmatched=unmatched.check(checked.value))
        except ValidationFailed as exc:
            rejects.extend((row, key, problem["message"]) for key, problem in exc.errors.items())
    await ProgressRows(conn, location_id).save_chunk(job, chunk.number, _rows_in(rejects))
    return rejects


class _Unmatched:
    """Which rows of a chunk no contact matches, so the upsert inserts them without looking for
    one: their emails and phones looked up in one statement for the chunk, then each row's
    checked against those and the rows before it. Only where the transaction keeps every other
    writer out (SQLite); elsewhere each upsert looks for itself."""

    def __init__(self, taken: set[str] | None) -> None:
        self.taken = taken

    @classmethod
    async def of(cls, contacts: ContactService, prepared: list[Prepared]) -> _Unmatched:
        scope = contacts.scope
        if scope.location.allow_duplicate_contacts or not scope.conn.dialect.serial_writes:
            return cls(None)
        sent = [
            _identity(checked.value) for _, checked in prepared if isinstance(checked, v.Checked)
        ]
        emails = [email for email, _ in sent if email]
        phones = [phone for _, phone in sent if phone]
        return cls(await contacts.repo.identities_taken(emails, phones))

    def check(self, data: ContactInput) -> bool:
        """Whether no contact has the row's email or phone; either is taken from now on."""
        if self.taken is None:
            return False
        identity = [value for value in _identity(data) if value]
        unmatched = not any(value in self.taken for value in identity)
        self.taken.update(identity)
        return unmatched


def _identity(data: ContactInput) -> tuple[str | None, str | None]:
    email, phone = data.columns.get("email"), data.columns.get("phone")
    return (email.lower() if isinstance(email, str) else None,
            phone if isinstance(phone, str) else None)  # fmt: skip


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
