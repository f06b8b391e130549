"""Reading an import's rows (CSV, JSON Lines) one at a time, numbered from 1 as data rows, and
what identifies an input file's content (its resume key)."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
_READ_CHUNK = 1 << 20


class BadFile(ValueError):
    """An input that can't be read at all (no header, not UTF-8): a usage error."""


def guess_format(path: Path) -> Format:
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A data row that is no record (a JSON line that is not an object)."""

    message: str


# A data row: a CSV row by header, or a JSON object.
Record = dict[str, Any]


def count_rows(path: Path, fmt: Format) -> int:
    with path.open(encoding="utf-8-sig", newline="") as file:
        if fmt == "csv":
            return max(sum(1 for _ in csv.reader(file)) - 1, 0)
        return sum(1 for line in file if line.strip())


def csv_headers(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        header = next(csv.reader(file), None)
    if not header:
        raise BadFile(f"{path}: no header row")
    return header


def read_rows(path: Path, fmt: Format) -> Iterator[tuple[int, Record | Unreadable]]:
    """(data row number from 1, the row); a row that can't be read is `Unreadable`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            if fmt == "csv":
                for number, row in enumerate(csv.DictReader(file), start=1):
                    yield number, row
                return
            number = 0
            for line in file:
                if not line.strip():
                    continue
                number += 1
                yield number, _json_record(line)
    except UnicodeDecodeError as exc:
        raise BadFile(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _json_record(line: str) -> Record | Unreadable:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Unreadable(f"Not valid JSON: {exc}")
    if not isinstance(value, dict):
        return Unreadable("The line must be a JSON object.")
    return value
