"""Per-location limits shared by every machine of a server: the same exact sliding window and
daily quota as `ratelimit.py`, kept in Redis (`--rate-limit-store redis://host:6379/0`).

A location's window is a sorted set of its accepted requests scored by time; its day a hash
(day number, count). One Lua script, run atomically by Redis, drops what left the window,
counts, decides and records: one round trip per request, and no two machines can both take
the last place. Times come from the Redis server's clock (`TIME`), the one clock every machine
then shares; if that clock steps back, the window's stamps are moved back with it, so no
location is locked out and none gets a fresh window.

The requests a process counts while its event loop is busy go to Redis together, as one
pipeline (as group commit does for SQLite): still one round trip per request, but no request
waits for another, and each batch costs one write and one connection.

While Redis cannot be reached, limited routes answer 503 (fail closed), or, with
`--rate-limit-fail-open`, pass uncounted (their answers then carry no remaining counts). After
a failure this process asks Redis again only after a short pause, so an outage costs each
request no connection timeout.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import math
import os
import time
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError

from contactapi.errors import ServiceUnavailable
from contactapi.ratelimit import LimitHeaders, RateLimit, refuse

log = logging.getLogger("contactapi.ratelimit")

# KEYS: the location's window (sorted set), its day (hash). ARGV: the window's size and
# length in ms (0: no window), the daily limit (0: none), a member unique to this request.
# Answers {refused (0 none, 1 window, 2 day), in the window, counted today, retry in ms}.
_SCRIPT = """
local window_key, day_key = KEYS[1], KEYS[2]
local max, window_ms = tonumber(ARGV[1]), tonumber(ARGV[2])
local daily, member = tonumber(ARGV[3]), ARGV[4]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local today = math.floor(now / 86400000)
local used = 0
if max > 0 then
  local newest = redis.call('ZRANGE', window_key, -1, -1, 'WITHSCORES')[2]
  if newest and tonumber(newest) > now then
    -- The clock stepped back: the stamps move with it, keeping their order and ages.
    local shift = tonumber(newest) - now
    local stamps = redis.call('ZRANGE', window_key, 0, -1, 'WITHSCORES')
    for i = 1, #stamps, 2 do
      redis.call('ZADD', window_key, tonumber(stamps[i + 1]) - shift, stamps[i])
    end
  end
  redis.call('ZREMRANGEBYSCORE', window_key, '-inf', now - window_ms)
  used = redis.call('ZCARD', window_key)
end
local counted = 0
local day = redis.call('HMGET', day_key, 'day', 'count')
if tonumber(day[1]) == today then counted = tonumber(day[2]) end
if max > 0 and used >= max then
  local oldest = redis.call('ZRANGE', window_key, 0, 0, 'WITHSCORES')[2]
  return {1, used, counted, tonumber(oldest) + window_ms - now}
end
if daily > 0 and counted >= daily then
  return {2, used, counted, (today + 1) * 86400000 - now}
end
if max > 0 then
  redis.call('ZADD', window_key, now, member)
  redis.call('PEXPIRE', window_key, window_ms)
end
if daily > 0 then
  redis.call('HSET', day_key, 'day', today, 'count', counted + 1)
  redis.call('PEXPIRE', day_key, (today + 2) * 86400000 - now)
end
return {0, used + 1, counted + 1, 0}
"""

# A Redis in the same network answers in well under a millisecond; one that does not answer
# within these is taken as unreachable.
CONNECT_TIMEOUT_S = 1.0
COMMAND_TIMEOUT_S = 1.0
# How long after a failure this process answers without asking Redis.
PAUSE_AFTER_FAILURE_S = 0.5
# Connections one process keeps to Redis; a batch waits for a free one (each batch holds one
# for a round trip only).
MAX_CONNECTIONS = 32
KEY_PREFIX = "contactapi:ratelimit:"


def redis_client(url: str) -> Redis:
    """A client for `url` that retries once at once on a broken connection (a Redis restart
    leaves the pool's connections dead), and otherwise fails fast. A batch sent again may
    count a request twice, never none: stricter, not looser."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=COMMAND_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=COMMAND_TIMEOUT_S,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
    )
    return Redis(connection_pool=pool)


class ScriptBatches:
    """Runs one Lua script for many callers: the calls made while the event loop is busy are
    sent as one pipeline once it turns (each call is still its own atomic script run)."""

    def __init__(self, redis: Redis, script: str) -> None:
        self._redis = redis
        self._script = script
        self._sha = hashlib.sha1(script.encode()).hexdigest()
        self._waiting: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._sending: set[asyncio.Task[None]] = set()

    def run(self, *keys_and_args: Any) -> asyncio.Future[Any]:
        """The script's answer to (2 keys, then arguments), once its batch has been sent."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._send)
        self._waiting.append((keys_and_args, future))
        return future

    def _send(self) -> None:
        batch, self._waiting = self._waiting, []
        task = asyncio.ensure_future(self._answer(batch))
        self._sending.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self._sending.discard)

    async def _answer(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            answers = await self._execute([call for call, _ in batch])
        except Exception as exc:  # the whole batch failed: Redis is unreachable, say
            answers = [exc] * len(batch)
        for (_, future), answer in zip(batch, answers, strict=True):
            if future.done():  # its request was cancelled meanwhile
                continue
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)

    async def _execute(self, calls: list[tuple[Any, ...]]) -> list[Any]:
        answers = await self._pipeline(calls)
        missing = [n for n, answer in enumerate(answers) if isinstance(answer, NoScriptError)]
        if missing:  # Redis restarted or its scripts were flushed: those calls did not run
            await self._redis.script_load(self._script)
            for n, answer in zip(missing, await self._pipeline([calls[n] for n in missing]),
                                 strict=True):  # fmt: skip
                answers[n] = answer
        return answers

    async def _pipeline(self, calls: list[tuple[Any, ...]]) -> list[Any]:
        pipe = self._redis.pipeline(transaction=False)
        for call in calls:
            pipe.evalsha(self._sha, 2, *call)
        answers: list[Any] = await pipe.execute(raise_on_error=False)
        return answers

    async def aclose(self) -> None:
        await asyncio.gather(*self._sending, return_exceptions=True)


class RedisRateLimiter:
    """The limiter of one server process; every process of every machine shares the Redis."""

    def __init__(
        self, limit: RateLimit | None, daily_limit: int | None, url: str, *, fail_open: bool
    ) -> None:
        self.limit = limit
        self.daily_limit = daily_limit
        self.fail_open = fail_open
        self._redis = redis_client(url)
        self._script = ScriptBatches(self._redis, _SCRIPT)
        self._args = (limit.max_requests if limit else 0, limit.window_ms if limit else 0,
                      daily_limit or 0)  # fmt: skip
        self._headers = LimitHeaders(limit, daily_limit)
        # Members of the window's set: unique across processes and machines.
        self._member_prefix = f"{os.urandom(6).hex()}{os.getpid():x}:"
        self._members = itertools.count()
        self._ask_again_at = 0.0
        self._failing = False

    async def aclose(self) -> None:
        await self._script.aclose()
        await self._redis.aclose()

    async def admit(self, location_id: str) -> list[tuple[bytes, bytes]]:
        """Counts one request; returns the headers, or raises TooManyRequests (429) or, while
        Redis is unreachable and the limiter fails closed, ServiceUnavailable (503)."""
        if time.monotonic() < self._ask_again_at:
            return self._unavailable()
        key = KEY_PREFIX + "{" + location_id + "}"
        member = f"{self._member_prefix}{next(self._members):x}"
        try:
            refused, window_used, day_count, retry_ms = await self._script.run(
                key + ":window", key + ":day", *self._args, member
            )
        except RedisError as exc:
            if not self._failing:
                log.warning("the rate limit store is unreachable: %r", exc)
            self._failing = True
            self._ask_again_at = time.monotonic() + PAUSE_AFTER_FAILURE_S
            return self._unavailable()
        if self._failing:
            self._failing = False
            log.warning("the rate limit store answers again")
        headers = self._headers(int(window_used), int(day_count))
        if refused:
            raise refuse(max(1, math.ceil(int(retry_ms) / 1000)), headers)
        return headers

    def _unavailable(self) -> list[tuple[bytes, bytes]]:
        if self.fail_open:
            return self._headers.uncounted()
        raise ServiceUnavailable()


async def check_reachable(url: str) -> None:
    """Raises RedisError unless `url`'s Redis answers a PING."""
    client = redis_client(url)
    try:
        await client.ping()
    finally:
        await client.aclose()
