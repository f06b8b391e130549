"""v1's official collection (`tests/data/v1-reference-examples.txt`), read as data: each
request with its method, path, path and query parameters, body, and documented answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A copy of ../shared/spec/v1-reference-examples.txt, kept with the tests (CI has no ../shared).
COLLECTION = Path(__file__).resolve().parent / "data/v1-reference-examples.txt"
_HEAD = re.compile(r"^/(?P<folder>.+?) (?P<method>GET|POST|PUT|DELETE|PATCH) (?P<url>\S+)$")
_ANSWER = re.compile(r"^--- EX .*? (?P<status>\d{3}) ")
# The free-slots answer's keys are dates; v1 documents them as this one key.
DATES = "_dates_"


@dataclass
class Answer:
    status: int
    body: Any


@dataclass
class Request:
    folder: str
    method: str
    path: str
    path_params: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None
    answers: list[Answer] = field(default_factory=list)

    @property
    def success(self) -> Answer:
        return next(a for a in self.answers if 200 <= a.status < 300)

    def __str__(self) -> str:
        return f"{self.folder}: {self.method} {self.path}"


def _json_block(lines: list[str], start: int, first: str) -> tuple[Any, int]:
    """The JSON value starting with `first` on line `start`; (value, next line)."""
    text, i = first, start + 1
    while True:
        try:
            return (json.loads(text) if text.strip() else None), i
        except json.JSONDecodeError:
            if i >= len(lines) or lines[i].startswith(("---", "====", "  PATH", "  Q ")):
                return text.strip().strip('"'), i
            text += "\n" + lines[i]
            i += 1


def requests() -> list[Request]:
    lines = COLLECTION.read_text().splitlines()
    found: list[Request] = []
    i = 0
    while i < len(lines):
        head = _HEAD.match(lines[i])
        if not head:
            i += 1
            continue
        url = head["url"].removeprefix("{{baseUrl}}")
        path, _, _ = url.partition("?")
        request = Request(head["folder"], head["method"], path)
        i += 1
        while i < len(lines) and not lines[i].startswith("===="):
            line = lines[i]
            if line.startswith("  PATH "):
                _, name, *value = line.split()
                request.path_params[name] = value[0] if value else ""
            elif line.startswith("  Q "):
                _, name, *rest = line.split()
                request.query.append((name, rest[0] if rest else ""))
            elif line.startswith("  BODY "):
                request.body, i = _json_block(lines, i, line.removeprefix("  BODY "))
                continue
            elif answer := _ANSWER.match(line):
                body_line = lines[i + 1].removeprefix("   body ") if i + 1 < len(lines) else ""
                body, i = _json_block(lines, i + 1, body_line)
                request.answers.append(Answer(int(answer["status"]), body))
                continue
            i += 1
        found.append(request)
    return found


def keys_missing(documented: Any, answered: Any, where: str = "") -> list[str]:
    """The documented keys the answer lacks: at the top, and in the first item of each
    documented list of objects (or object) it holds."""
    if not isinstance(documented, dict):
        return []
    if not isinstance(answered, dict):
        return [f"{where or 'answer'} is not an object"]
    if list(documented) == [DATES]:
        # v1's stand-in for the answer's keys, one per date: each holds what it documents.
        if not answered:
            return [f"{where}{DATES} (no dates)"]
        return [f"{where}{day}.{key}" for day, value in answered.items()
                for key in documented[DATES]
                if not isinstance(value, dict) or key not in value]  # fmt: skip
    missing = [f"{where}{key}" for key in documented if key not in answered]
    for key, value in documented.items():
        ours = answered.get(key)
        documents_items = isinstance(value, list) and value and isinstance(value[0], dict)
        if documents_items and isinstance(ours, list) and ours and isinstance(ours[0], dict):
            missing += [f"{where}{key}[].{k}" for k in value[0] if k not in ours[0]]
    return missing
