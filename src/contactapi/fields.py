"""A resource's field table: one row per API key, from which its parsing, its answers and its
OpenAPI schemas (with examples) are derived, so that a field is added in one place.

A field may be sent (`read` parses it into `column`), answered (as `column` holds it, or as
`answer` computes it from the row), or both. Fields whose reading needs more than one key or
the database (a contact's name parts, its custom values) are still declared here for their
schema and answer, with `read=None`, and read by the resource's own code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from contactapi.validation import Errors

Schema = dict[str, Any]
Validator = Callable[[str, Any], Any]


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    # The stored column; None when the field has none of its own.
    column: str | None = None
    # Parses a sent value into the column's (raises FieldInvalid); None: not read generically.
    read: Validator | None = None
    # Turns the column's stored value into the answer's, when they differ.
    convert: Callable[[Any], Any] | None = None
    # How requests may send it, and answers carry it; None: not sent / not answered.
    sent: Schema | None = None
    answered: Schema | None = None
    example: Any = None
    # What a request sends, when it differs from what answers carry (`example`).
    sent_example: Any = None
    # A new row's value when none is sent.
    default: Any = None


class FieldTable:
    def __init__(self, fields: Iterable[Field]) -> None:
        self.fields = tuple(fields)
        self._read = tuple(field for field in self.fields if field.read is not None)
        answered = [field for field in self.fields if field.answered is not None]
        self._answer = _answer_builder(answered)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every stored column, each once, in the table's order."""
        return tuple(dict.fromkeys(f.column for f in self.fields if f.column is not None))

    def defaults(self) -> dict[str, Any]:
        """A new row's columns, before what a request sent."""
        return {f.column: f.default for f in self.fields if f.column and f.sent is not None}

    def read(self, body: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
        """The generically read fields that `body` sends, as columns; failures in `errors`."""
        columns: dict[str, Any] = {}
        for field in self._read:
            if field.key in body:
                value = errors.read(field.key, field.read, body[field.key])  # type: ignore[arg-type]
                if field.key not in errors.fields:
                    columns[field.column] = value  # type: ignore[index]
        return columns

    def answer(self, row: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
        """The answer's object: its keys in the table's order; `extra` gives the values of
        fields that the row does not hold."""
        return self._answer(row, extra)

    def answer_schema(self) -> Schema:
        answered = [f for f in self.fields if f.answered is not None]
        return {
            "type": "object",
            "required": [f.key for f in answered],
            "properties": {f.key: f.answered for f in answered},
        }

    def request_schema(self, description: str = "") -> Schema:
        schema: Schema = {
            "type": "object",
            "properties": {f.key: f.sent for f in self.fields if f.sent is not None},
        }
        if description:
            schema["description"] = description
        return schema

    def answer_example(self) -> dict[str, Any]:
        return {f.key: f.example for f in self.fields if f.answered is not None}

    def request_example(self) -> dict[str, Any]:
        example: dict[str, Any] = {}
        for f in self.fields:
            value = f.example if f.sent_example is None else f.sent_example
            if f.sent is not None and value is not None:
                example[f.key] = value
        return example


def _answer_builder(
    answered: list[Field],
) -> Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]]:
    """A function that builds the answer's dict in one literal, as a hand-written one would.
    Answers are built on every read's path, where a loop over the fields costs a tenth of the
    request; the source is generated once per table (as `dataclasses` does for `__init__`)."""
    converts: dict[str, Callable[[Any], Any]] = {}
    items = []
    for n, field in enumerate(answered):
        value = f"extra[{field.key!r}]" if field.column is None else f"row[{field.column!r}]"
        if field.convert is not None:
            converts[f"_convert{n}"] = field.convert
            value = f"_convert{n}({value})"
        items.append(f"{field.key!r}: {value}")
    source = "def answer(row, extra):\n    return {" + ", ".join(items) + "}\n"
    namespace: dict[str, Any] = dict(converts)
    exec(source, namespace)
    built: Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]] = namespace["answer"]
    return built
