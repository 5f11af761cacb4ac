"""The sliding window behind 429: a burst up to the limit, then the wait until the
oldest request leaves the window."""

from __future__ import annotations

from novabot.api.limits import RateLimiter


def test_requests_past_the_limit_wait_for_the_oldest_to_leave_the_window() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.retry_after("k", 3, 60) for _ in range(3)] == [None, None, None]
    now[0] += 10.5
    assert limiter.retry_after("k", 3, 60) == 50  # the first leaves at 160
    assert limiter.retry_after("other", 3, 60) is None  # each key has its own window
    now[0] = 160.0  # the burst has left the window; the refusal at 110.5 never counted
    assert [limiter.retry_after("k", 3, 60) for _ in range(3)] == [None, None, None]
    assert limiter.retry_after("k", 3, 60) == 60
