"""The source of a migration: any server that speaks the v1 API, read through its public
routes with a location key. It is asked politely: a 429 is waited out (its `Retry-After`,
else a second), and a connection error or 5xx is retried a few times before giving up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

RETRIES = 8
TIMEOUT_S = 60.0
PAGE = 100
# A `Retry-After` past this is a source that will not answer soon: give up instead.
MAX_WAIT_S = 600.0


class SourceError(RuntimeError):
    """The source refused or failed a request for good."""


class Source:
    def __init__(
        self, base_url: str, key: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base = base_url.rstrip("/").removesuffix("/v1")
        self.client = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
            timeout=TIMEOUT_S,
            transport=transport,
        )
        self.requests = 0
        self.waits = 0

    async def close(self) -> None:
        await self.client.aclose()

    async def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> Any:
        url = self._on_source(path_or_url)
        failures = 0
        while True:
            self.requests += 1
            try:
                answer = await self.client.get(url, params=params)
            except httpx.TransportError as exc:
                failures += 1
                if failures > RETRIES:
                    raise SourceError(f"GET {url}: {exc}") from exc
                await asyncio.sleep(min(2**failures, 30))
                continue
            if answer.status_code == 429:
                self.waits += 1
                await asyncio.sleep(_retry_after(answer))
                continue
            if answer.status_code >= 500 and failures < RETRIES:
                failures += 1
                await asyncio.sleep(min(2**failures, 30))
                continue
            if answer.status_code != 200:
                raise SourceError(f"GET {url}: {answer.status_code} {answer.text[:200]}")
            return answer.json()

    def _on_source(self, path_or_url: str) -> str:
        """A path, or a URL the source named (`nextPageUrl`), made a URL of the source's own
        scheme, host and port: the key never goes to another host, nor in clear text because
        a proxy in front of the source wrote `http://`."""
        if "://" not in path_or_url:
            return f"{self.base}{path_or_url}"
        return str(httpx.URL(self.base).copy_with(raw_path=httpx.URL(path_or_url).raw_path))

    async def pages(
        self, path: str, key: str
    ) -> AsyncIterator[tuple[list[dict[str, Any]], int | None]]:
        """A keyset list (contacts, opportunities), following `meta.nextPageUrl`: each page,
        and the list's total as the source gives it."""
        url: str | None = path
        params: dict[str, Any] | None = {"limit": PAGE}
        while url:
            body = await self.get(url, params)
            meta = body.get("meta") or {}
            total = meta.get("total")
            yield list(body.get(key) or []), total if isinstance(total, int) else None
            url = meta.get("nextPageUrl")
            params = None  # the next page's URL carries them

    async def whole(self, path: str, key: str) -> list[dict[str, Any]]:
        """A list v1 answers whole (custom fields, pipelines, a contact's notes and tasks);
        where the server pages it (`limit`, `startAfterId`), every page."""
        items: dict[Any, dict[str, Any]] = {}
        params: dict[str, Any] = {"limit": 1000}
        while True:
            page = list((await self.get(path, params)).get(key) or [])
            new = {item.get("id"): item for item in page if item.get("id") not in items}
            items.update(new)
            # A server that ignores `startAfterId` answers the same page again: stop there.
            if len(page) < 1000 or not new:
                return list(items.values())
            params = {"limit": 1000, "startAfterId": page[-1]["id"]}


def _retry_after(answer: httpx.Response) -> float:
    raw = answer.headers.get("retry-after", "")
    try:
        wait = float(raw)
    except ValueError:
        wait = 1.0
    if wait > MAX_WAIT_S:
        raise SourceError(f"rate limited for {wait:.0f} s (Retry-After)")
    return max(wait, 0.05)
