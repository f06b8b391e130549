"""The HTTP adapter: where a request enters, and where its transaction opens.

An endpoint declared with `@endpoint(...)` (no body) or `@endpoint_with_body(...)` reads the
API key, the body and the limits, then runs its handler as the work of one transaction
(`Database.run`): committed when the handler returns, rolled back when it raises. Everything
that needs no database (auth aside) happens before the transaction opens, so a SQLite write
holds the write lock, and its batch, for SQL only. Services and repositories commit nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response

from contactapi.auth import authenticate, authenticate_caller
from contactapi.db.engine import Connection, Database
from contactapi.errors import Unauthorized, ValidationFailed, unknown_path_id
from contactapi.ratelimit import RateLimiter
from contactapi.scope import Caller, CallerScope, Location, LocationScope
from contactapi.validation import Checked, storable
from contactapi.web.http import json_object, raw_header, refuse_oversized

P = TypeVar("P")
# Who a key speaks for (a location, or either kind of caller), and the scope its handler gets.
W = TypeVar("W", bound=Caller)
S = TypeVar("S")
Endpoint = Callable[[Request], Awaitable[Response]]
# A handler gets the request and its scope, and the parsed body when the route takes one.
Handler = Callable[[Request, LocationScope], Coroutine[Any, Any, Response]]
BodyHandler = Callable[[Request, LocationScope, Checked[P]], Coroutine[Any, Any, Response]]
CallerHandler = Callable[[Request, CallerScope], Coroutine[Any, Any, Response]]
CallerBodyHandler = Callable[[Request, CallerScope, Checked[P]], Coroutine[Any, Any, Response]]
# Reads a body before the transaction: its value and the failures found, kept to be reported
# with any the database finds, in one 422.
Parse = Callable[[dict[str, Any], Location], Checked[P]]
CallerParse = Callable[[dict[str, Any]], Checked[P]]


def bearer_token(request: Request) -> str:
    header = raw_header(request, b"authorization") or ""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise Unauthorized()
    return token


async def _admit(request: Request, caller: Caller, app_state: State) -> None:
    """Refuses the request unless the key's location (or agency) is within its rate limit and
    the URL's strings can be stored."""
    state = request.scope.setdefault("state", {})
    state["location_id"] = caller.id
    limiter: RateLimiter | None = app_state.rate_limiter
    if limiter is not None:
        state["rate_limit_headers"] = await limiter.admit(caller.id)
    # Refused before a query sees them: PostgreSQL would fail on them (a 500).
    for name, value in request.path_params.items():
        if not storable(value):
            raise unknown_path_id(name)
    if b"%00" in request.scope["query_string"]:  # the only way a NUL arrives there
        for name, value in request.query_params.multi_items():
            if not storable(value):
                raise ValidationFailed.one(
                    name, f"The {name} must not contain NUL characters.", "invalid"
                )


def _named(run: Endpoint, handler: Callable[..., Any]) -> Endpoint:
    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _bodiless(
    handler: Callable[[Request, S], Coroutine[Any, Any, Response]],
    authenticate: Callable[[Database, str], Awaitable[W]],
    scope: Callable[[Connection, W], S],
    *,
    write: bool,
    snapshot: bool,
    slow: bool,
) -> Endpoint:
    """The endpoint of a route without a body, for keys that `authenticate` accepts."""

    async def run(request: Request) -> Response:
        token = bearer_token(request)
        refuse_oversized(request)  # the contract's 413 holds for every route
        app_state = request.app.state
        db: Database = app_state.db
        who = await authenticate(db, token)
        await _admit(request, who, app_state)

        def work(conn: Connection) -> Coroutine[Any, Any, Response]:
            return handler(request, scope(conn, who))

        if not slow:
            return await db.run(work, write=write, snapshot=snapshot)
        async with _slow_turn(who.id):
            return await db.run(work, write=write, snapshot=snapshot, slow=True)

    return _named(run, handler)


def endpoint(
    *, write: bool, snapshot: bool = False, slow: bool = False
) -> Callable[[Handler], Endpoint]:
    """A route without a body. `snapshot`: a read whose several statements (a page and its
    total) must see one state of the database. `slow`: a read that may take more than a few
    milliseconds (a search, a list), run off the event loop (`Database.run`)."""

    def wrap(handler: Handler) -> Endpoint:
        return _bodiless(handler, authenticate, LocationScope, write=write, snapshot=snapshot,
                         slow=slow)  # fmt: skip

    return wrap


# Slow reads (searches, lists) one location may run at once in this process: the threads (and
# pool connections) that run them are shared, and one location's flood must leave room for
# the others'. The rest of that location's slow reads wait their turn.
SLOW_READS_PER_LOCATION = 2


class _Turns:
    """A location's slow-read turns, and how many of its reads run or wait for one."""

    __slots__ = ("semaphore", "users")

    def __init__(self) -> None:
        self.semaphore = asyncio.Semaphore(SLOW_READS_PER_LOCATION)
        self.users = 0


_slow_turns: dict[str, _Turns] = {}


@asynccontextmanager
async def _slow_turn(location_id: str) -> AsyncIterator[None]:
    turns = _slow_turns.get(location_id)
    if turns is None:
        turns = _slow_turns[location_id] = _Turns()
    turns.users += 1
    try:
        async with turns.semaphore:
            yield
    finally:
        turns.users -= 1
        if turns.users == 0:  # forgotten once none runs or waits: the map stays small
            del _slow_turns[location_id]


def _with_body(
    handler: Callable[[Request, S, Checked[P]], Coroutine[Any, Any, Response]],
    authenticate: Callable[[Database, str], Awaitable[W]],
    scope: Callable[[Connection, W], S],
    parse: Callable[[dict[str, Any], W], Checked[P]],
    *,
    required: bool,
    prepare: Callable[[Checked[P]], Awaitable[Checked[P]]] | None = None,
) -> Endpoint:
    """The endpoint of a write route with a JSON object body, read by `parse` before the
    transaction opens (and, when given, `prepare`d: see caller_endpoint_with_body)."""

    async def run(request: Request) -> Response:
        token = bearer_token(request)
        app_state = request.app.state
        db: Database = app_state.db
        # The key first: a body costs reading and parsing, which only a caller may spend.
        who = await authenticate(db, token)
        await _admit(request, who, app_state)
        # Read before the transaction, so no lock waits on the network.
        data = await json_object(request, required=required)
        payload = parse(data, who)
        if prepare is not None:
            # A caller's costly preparations take its slow-read turns: one tenant's flood of
            # them leaves the shared threads to the others.
            async with _slow_turn(who.id):
                payload = await prepare(payload)
        return await db.run(lambda conn: handler(request, scope(conn, who), payload), write=True)

    return _named(run, handler)


def endpoint_with_body(
    parse: Parse[P], *, required: bool = True
) -> Callable[[BodyHandler[P]], Endpoint]:
    """A write route with a JSON object body (`required`: an empty body is a 400, else `{}`),
    read by `parse` before the transaction opens."""

    def wrap(handler: BodyHandler[P]) -> Endpoint:
        return _with_body(handler, authenticate, LocationScope, parse, required=required)

    return wrap


def caller_endpoint(*, write: bool, slow: bool = False) -> Callable[[CallerHandler], Endpoint]:
    """A route without a body that a location key or an agency key may call; the handler
    decides what each may reach."""

    def wrap(handler: CallerHandler) -> Endpoint:
        return _bodiless(handler, authenticate_caller, CallerScope, write=write, snapshot=False,
                         slow=slow)  # fmt: skip

    return wrap


def caller_endpoint_with_body(
    parse: CallerParse[P],
    *,
    required: bool = True,
    prepare: Callable[[Checked[P]], Awaitable[Checked[P]]] | None = None,
) -> Callable[[CallerBodyHandler[P]], Endpoint]:
    """A write route with a JSON object body that a location key or an agency key may call.
    `prepare`: costly work on the parsed body (a password's hash), done off the event loop's
    thread and before the transaction opens."""

    def parse_body(data: dict[str, Any], caller: Caller) -> Checked[P]:
        return parse(data)

    def wrap(handler: CallerBodyHandler[P]) -> Endpoint:
        return _with_body(handler, authenticate_caller, CallerScope, parse_body,
                          required=required, prepare=prepare)  # fmt: skip

    return wrap
