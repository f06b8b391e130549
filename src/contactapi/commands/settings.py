"""`contactapi settings`: every setting of the settings class, its variable, default and
meaning, read from the class itself (docs/deploy.md's table is this command's output)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from pydantic import AliasChoices

from contactapi.settings import Settings

ENV_PREFIX = "CONTACTAPI_"


def settings_rows() -> list[dict[str, str]]:
    """One row per field, in the class's order: variable(s), type, default, description."""
    rows = []
    for name, field in Settings.model_fields.items():
        names = [ENV_PREFIX + name.upper()]
        if isinstance(field.validation_alias, AliasChoices):
            names = [str(choice) for choice in field.validation_alias.choices]
        if not field.description:
            raise ValueError(f"setting {name} has no description")
        rows.append({
            "variable": " or ".join(names),
            "type": _type_name(field.annotation),
            "default": _default(field.default),
            "description": field.description,
        })  # fmt: skip
    return rows


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", str(annotation))


def _default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if value == "" else str(value)


def settings_markdown() -> str:
    lines = ["| Variable | Type | Default | Meaning |", "|---|---|---|---|"]
    for row in settings_rows():
        cells = [f"`{row['variable'].replace(' or ', '` or `')}`", row["type"],
                 f"`{row['default']}`", row["description"].replace("|", "\\|")]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def settings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="A Markdown table (as in docs/deploy.md).")
    ] = False,
) -> None:
    """List every setting (environment variables): name, type, default and meaning."""
    if markdown:
        typer.echo(settings_markdown(), nl=False)
        return
    for row in settings_rows():
        typer.echo(f"{row['variable']} ({row['type']}, default {row['default']})")
        typer.echo(f"    {row['description']}")
