"""`GET /v1/timezones/`: every IANA name zoneinfo knows, sorted; a key is required."""

from __future__ import annotations

from zoneinfo import available_timezones

import httpx

from tests.factories import Api


async def test_every_iana_name_sorted(api: Api, http: httpx.AsyncClient) -> None:
    for path in ("/v1/timezones/", "/v1/timezones"):
        response = await api.get(path)
        assert response.status_code == 200
        zones = response.json()["timezones"]
        assert zones == sorted(available_timezones())
        assert "America/Chihuahua" in zones and "UTC" in zones
    assert (await http.get("/v1/timezones/")).status_code == 401
