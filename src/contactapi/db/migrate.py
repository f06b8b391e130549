"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from contactapi.db.files import prepare_sqlite_file
from contactapi.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", settings.sqlalchemy_url.replace("%", "%%"))
    return config


def current_revision(settings: Settings) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    if not settings.is_postgresql:
        prepare_sqlite_file(settings.sqlite_path)
    engine = create_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def pending(settings: Settings) -> list[str]:
    """The revisions `upgrade` would apply, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(settings))
    current = current_revision(settings)
    revisions = script.iterate_revisions("heads", current)
    return [revision.revision for revision in reversed(list(revisions))]


def upgrade(settings: Settings) -> list[str]:
    """Applies the pending revisions; returns them."""
    applied = pending(settings)
    if applied:
        command.upgrade(alembic_config(settings), "head")
    return applied


def check(settings: Settings) -> None:
    """Raises if the models and the migrated database differ."""
    command.check(alembic_config(settings))
