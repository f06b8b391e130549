"""SQLite's WAL is copied back into the database file in the background, not by the writer."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from contactapi.db import engine
from tests.factories import own_sqlite_app


async def test_writes_reach_the_database_file_without_a_checkpoint_by_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Longer than the 40 durable creates take on a busy machine, so that none runs meanwhile.
    monkeypatch.setattr(engine, "CHECKPOINT_INTERVAL_S", 3.0)
    path = tmp_path / "checkpointed.db"
    async with own_sqlite_app(path) as api:
        before = os.stat(path).st_size
        for n in range(40):  # far under the writer's own checkpoint threshold (10,000 pages)
            await api.make_contact(email=f"c{n}@example.com", companyName="x" * 200)
        assert os.stat(path).st_size == before, "nothing is copied back by the commits"
        for _ in range(200):  # the next background checkpoint, within 3 s
            await asyncio.sleep(0.05)
            if os.stat(path).st_size > before:
                break
        assert os.stat(path).st_size > before
        assert (await api.get("/v1/contacts/?limit=1")).json()["meta"]["total"] == 40
