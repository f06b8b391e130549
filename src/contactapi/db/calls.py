"""The one rule of a transaction's work: it awaits its connection's calls and nothing else.

Every transaction, on both databases, runs a *work*: an async function of a `Connection`. Its
connection's calls are the only awaitables it may await. A SQLite call has run by the time it
is awaited (`Ready`: the result, no suspension), so SQLite runs the whole work in one step
(`run_now`), without the event loop, which lets the group-commit writer run the queued works of
many requests back to back under its lock. A PostgreSQL call is handed to the runner
(`Pending`), which awaits the driver and sends the result back (`drive`). Both runners refuse
anything else the work awaits (a sleep, an HTTP call, another lock) at its first run, on both
databases: the rule is part of the API, not a condition that only SQLite's group commit meets.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
C = TypeVar("C")

# A transaction's work: an async function of the transaction's connection.
Work = Callable[[C], Awaitable[T]]


class SuspendedInTransaction(RuntimeError):
    """A work awaited something besides its connection's calls."""

    def __init__(self) -> None:
        super().__init__(
            "a transaction's work awaited something that suspends: it may await only its"
            " connection's calls (read what it needs before the transaction opens)"
        )


class Ready(Generic[T]):
    """A call that already ran: awaiting it gives its result without suspending."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, Any, T]:
        return self.value
        yield  # a generator that returns at once


class Pending(Generic[T]):
    """A call for the runner (`drive`) to make: the work yields it and gets its result."""

    __slots__ = ("args", "function")

    def __init__(self, function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> None:
        self.function = function
        self.args = args

    def __await__(self) -> Generator[Any, Any, T]:
        result: T = yield self
        return result


def run_now(work: Awaitable[T]) -> T:
    """Runs a work whose calls are all `Ready`, to completion, now."""
    steps = work.__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        value: T = done.value
        return value
    steps.close()
    raise SuspendedInTransaction()


async def drive(work: Awaitable[T]) -> T:
    """Runs a work whose calls are `Pending`, making each call for it."""
    steps = work.__await__()
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = steps.send(value) if error is None else steps.throw(error)
        except StopIteration as done:
            result: T = done.value
            return result
        if type(step) is not Pending:
            steps.close()
            raise SuspendedInTransaction()
        try:
            value, error = await step.function(*step.args), None
        except BaseException as exc:  # raised where the work awaited the call
            value, error = None, exc
