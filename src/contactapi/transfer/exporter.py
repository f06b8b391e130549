"""`contactapi export`: a location's contacts (or a search's), page by page, each page its own
read transaction, written as they come: memory holds one page, however many contacts.

Pages are keyset pages in (dateAdded, id) order, so every contact that exists throughout the
export is written exactly once. CSV columns are the API's contact fields (`tags` joined by
commas) and one column per custom field, named by its name; JSON Lines records are the API's
contact objects with `customField` keyed by each field's `fieldKey`. Both import back."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TextIO

import orjson

from contactapi.contacts.schemas import CONTACT
from contactapi.contacts.search import ListQuery, ListResult
from contactapi.contacts.service import ContactService
from contactapi.db.engine import Connection, create_database
from contactapi.db.search.query import Cursor
from contactapi.listing import parse_query_text
from contactapi.settings import Settings
from contactapi.transfer.columns import CustomField, cell_from_value
from contactapi.transfer.files import Format
from contactapi.transfer.location import fields_of, location_scope
from contactapi.transfer.progress import Reporter
from contactapi.validation import Errors

PAGE = 1000
# The answer's keys but `customField`, which becomes a column per field.
CONTACT_KEYS = [f.key for f in CONTACT.fields if f.answered is not None and f.key != "customField"]


@dataclass
class ExportReport:
    rows: int = 0
    seconds: float = 0.0


def export_contacts(
    settings: Settings,
    location_id: str,
    fmt: Format,
    query: str | None,
    out: TextIO,
    progress: Reporter,
) -> ExportReport:
    """Raises LocationError, or ValidationFailed for a bad `query`."""
    errors = Errors()
    text, digits = parse_query_text({"query": query} if query else {}, errors)
    errors.raise_any()
    started = time.monotonic()
    report = asyncio.run(_export(settings, location_id, fmt, text, digits, out, progress))
    report.seconds = time.monotonic() - started
    return report


async def _export(
    settings: Settings,
    location_id: str,
    fmt: Format,
    text: str | None,
    digits: str | None,
    out: TextIO,
    progress: Reporter,
) -> ExportReport:
    db = create_database(settings)
    await db.connect()
    try:
        fields = await db.run(lambda conn: _fields(conn, location_id), write=False)
        write = _csv_writer(out, fields) if fmt == "csv" else _jsonl_writer(out, fields)
        report = ExportReport()
        cursor: Cursor | None = None
        while True:
            query = ListQuery(text, digits, "date_added", "asc", PAGE, None, cursor, None)
            contacts, result = await db.run(
                _page(location_id, query), write=False, snapshot=True, slow=True
            )
            if cursor is None:
                progress.update(0, result.total)
            for contact in contacts:
                write(contact)
            report.rows += len(contacts)
            progress.advance(len(contacts))
            if not result.has_more or not result.rows:
                return report
            last = result.rows[-1]
            cursor = Cursor(int(last["date_added"]), last["id"])
    finally:
        await db.close()


async def _fields(conn: Connection, location_id: str) -> list[CustomField]:
    return await fields_of(await location_scope(conn, location_id))


def _page(
    location_id: str, query: ListQuery
) -> Callable[[Connection], Awaitable[tuple[list[dict[str, Any]], ListResult]]]:
    async def work(conn: Connection) -> tuple[list[dict[str, Any]], ListResult]:
        return await ContactService(await location_scope(conn, location_id)).list(query)

    return work


def _csv_writer(out: TextIO, fields: list[CustomField]) -> Callable[[dict[str, Any]], None]:
    writer = csv.writer(out)
    writer.writerow([*CONTACT_KEYS, *(field.name for field in fields)])

    def write(contact: dict[str, Any]) -> None:
        values = {item["id"]: item["value"] for item in contact["customField"]}
        cells = [
            ",".join(contact["tags"]) if key == "tags" else cell_from_value(contact[key])
            for key in CONTACT_KEYS
        ]
        writer.writerow([*cells, *(cell_from_value(values.get(f.id)) for f in fields)])

    return write


def _jsonl_writer(out: TextIO, fields: list[CustomField]) -> Callable[[dict[str, Any]], None]:
    keys = {field.id: field.key for field in fields}

    def write(contact: dict[str, Any]) -> None:
        values = contact["customField"]
        custom = {keys.get(item["id"], item["id"]): item["value"] for item in values}
        out.write(orjson.dumps({**contact, "customField": custom}).decode())
        out.write("\n")

    return write
