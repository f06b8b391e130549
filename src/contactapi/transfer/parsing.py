"""An import's rows validated in a process of their own, a few chunks ahead of the writer: the
API's checks (the phone above all) cost about a third of a row, so with two cores the writer
applies one chunk while the next is read. What is sent back is what `POST /v1/contacts/` has
before its transaction: `prepare_create`'s checked body, its new contact made."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from collections import deque
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.contacts.schemas import ContactInput
from contactapi.contacts.service import prepare_create
from contactapi.scope import Location
from contactapi.transfer.files import Unreadable

# A data row's number and its contact body (or why it has none).
Row = tuple[int, dict[str, Any] | Unreadable]
# A data row's number and its checked body (or why it has none).
Prepared = tuple[int, v.Checked[ContactInput] | Unreadable]
# Rows prepared ahead of the chunk being written: enough that the writer never waits for the
# parser, few enough that memory stays flat (a prepared row holds a few kB of objects).
AHEAD_ROWS = 1_600


def prepare_chunk(location: Location, chunk: list[Row]) -> list[Prepared]:
    return [
        (number, body if isinstance(body, Unreadable) else prepare_create(body, location))
        for number, body in chunk
    ]


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the importer handles it, the parser just ends
    # with it (no traceback of its own).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Parser:
    """One parser process (spawned: forking a process with threads risks their locks)."""

    def __init__(self) -> None:
        self.pool = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts
        )
        # Started now: it imports its modules while the file is counted and the database opened.
        self.pool.submit(int)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    async def prepared(
        self, location: Location, chunks: Iterable[tuple[int, list[Row]]]
    ) -> AsyncIterator[Parsed]:
        """Each chunk's number, its rows and those prepared for `location`, in order, prepared
        up to AHEAD_ROWS rows ahead."""
        loop = asyncio.get_running_loop()
        pending: deque[tuple[int, list[Row], asyncio.Future[list[Prepared]]]] = deque()
        for number, chunk in chunks:
            future = loop.run_in_executor(self.pool, prepare_chunk, location, chunk)
            pending.append((number, chunk, future))
            ahead = max(1, AHEAD_ROWS // len(chunk))
            if len(pending) > ahead:
                yield await _parsed(location, *pending.popleft())
        while pending:
            yield await _parsed(location, *pending.popleft())


@dataclass(frozen=True, slots=True)
class Parsed:
    number: int
    rows: list[Row]
    # Prepared with this location's settings (its country): a write that finds them changed
    # prepares the rows again (`prepare_chunk`).
    location: Location
    prepared: list[Prepared]


async def _parsed(
    location: Location, number: int, rows: list[Row], future: asyncio.Future[list[Prepared]]
) -> Parsed:
    return Parsed(number, rows, location, await future)
