"""The shared limiter itself: exact per location with 100,000 of them active, closed when
full, steady when the wall clock steps back, and private on disk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from contactapi.errors import TooManyRequests
from contactapi.ratelimit import RateLimit, SharedRateLimiter, StateDirError, state_file


def accepted(limiter: SharedRateLimiter, location_id: str) -> bool:
    try:
        limiter.hit(location_id)
    except TooManyRequests:
        return False
    return True


def test_exact_for_every_one_of_100_000_active_locations(tmp_path: Path) -> None:
    limiter = SharedRateLimiter(RateLimit(2, 600), None, tmp_path / "limits.bin")
    locations = [f"location-{n}" for n in range(100_000)]
    try:
        for _ in range(2):
            assert all(accepted(limiter, location) for location in locations)
        # Every location used its 2 within the window: each third request is refused.
        assert not any(accepted(limiter, location) for location in locations)
    finally:
        limiter.close()


def test_refuses_when_every_slot_is_held_by_a_live_location(tmp_path: Path) -> None:
    limiter = SharedRateLimiter(RateLimit(5, 600), None, tmp_path / "small.bin", slots=64)
    try:
        for n in range(64):
            assert accepted(limiter, f"busy-{n}")
        assert not accepted(limiter, "one-more"), "a full table must fail closed"
        assert accepted(limiter, "busy-3"), "locations holding a slot keep their counts"
    finally:
        limiter.close()


def test_the_daily_quota_counts_per_location(tmp_path: Path) -> None:
    limiter = SharedRateLimiter(None, 3, tmp_path / "daily.bin")
    try:
        headers = dict(limiter.hit("a"))
        assert headers[b"x-ratelimit-limit-daily"] == b"3"
        assert headers[b"x-ratelimit-daily-remaining"] == b"2"
        limiter.hit("a")
        limiter.hit("a")
        with pytest.raises(TooManyRequests) as refused:
            limiter.hit("a")
        assert dict(refused.value.headers)[b"x-ratelimit-daily-remaining"] == b"0"
        assert 1 <= refused.value.retry_after_seconds <= 86_400
        assert accepted(limiter, "b")
    finally:
        limiter.close()


def test_a_backward_step_of_the_wall_clock_locks_no_one_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = SharedRateLimiter(RateLimit(3, 1), None, tmp_path / "clock.bin")
    try:
        for _ in range(3):
            assert accepted(limiter, "busy")
        stepped = time.time_ns() - 3600 * 10**9
        monkeypatch.setattr(time, "time_ns", lambda: stepped)
        time.sleep(1.1)
        assert accepted(limiter, "busy"), "the window must pass on the monotonic clock"
    finally:
        limiter.close()


def test_state_lives_in_a_private_directory_and_links_are_refused(tmp_path: Path) -> None:
    path = state_file(str(tmp_path / "state"), "sqlite:///x.db", RateLimit(10, 10))
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700
    assert path.parent == tmp_path / "state"

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    with pytest.raises(StateDirError):
        state_file(str(shared), "sqlite:///x.db", None)
    (tmp_path / "link").symlink_to(tmp_path / "state")
    with pytest.raises(StateDirError):
        state_file(str(tmp_path / "link"), "sqlite:///x.db", None)

    # A link planted where the state file goes is not followed.
    target = tmp_path / "victim"
    target.write_bytes(b"keep")
    path.symlink_to(target)
    with pytest.raises(OSError):
        SharedRateLimiter(RateLimit(10, 10), None, path)
    assert target.read_bytes() == b"keep"
