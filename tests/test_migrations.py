"""Migrations: upgrading a fresh database to head leaves no drift from the models."""

from __future__ import annotations

from contactapi.db.migrate import check
from contactapi.settings import Settings


def test_upgraded_database_matches_the_models(database_url: str) -> None:
    # database_url is migrated to head by the conftest fixture, on both backends.
    check(Settings(database_url=database_url))
