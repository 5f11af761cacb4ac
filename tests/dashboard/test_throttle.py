from __future__ import annotations

from novabot.dashboard import throttle
from novabot.dashboard.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_waits_after_too_many_failures_until_the_window_passes() -> None:
    clock = Clock()
    limit = LoginThrottle(max_failures=3, window_s=60, clock=clock)
    for _ in range(3):
        assert limit.retry_after("10.0.0.1") == 0
        limit.failed("10.0.0.1")
        clock.now += 1
    assert limit.retry_after("10.0.0.1") == 57  # now 1003; the first failure leaves at 1060
    assert limit.retry_after("10.0.0.2") == 0  # others are not held up
    clock.now += 57
    assert limit.retry_after("10.0.0.1") == 0


def test_success_forgets_the_failures() -> None:
    limit = LoginThrottle(max_failures=2, window_s=60, clock=Clock())
    limit.failed("a")
    limit.succeeded("a")
    limit.failed("a")
    assert limit.retry_after("a") == 0


def test_memory_stays_bounded_however_many_clients_fail(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(throttle, "MAX_CLIENTS", 3)
    limit = LoginThrottle(max_failures=1, window_s=60, clock=Clock())
    for client in "abcde":
        limit.failed(client)
    assert limit.retry_after("a") == 0  # forgotten first
    assert limit.retry_after("e") > 0
