"""Failed dashboard logins, throttled: a few tries per client, then a wait.

Counted per client address in memory: a restart forgets the count, which costs a
guesser a restart of Nova, and each try costs a scrypt hash anyway. Behind a reverse
proxy every client has the proxy's address, so the limit becomes one for everybody:
slower for the operator under attack, never weaker.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_S = 15 * 60.0
MAX_CLIENTS = 10_000
"""Addresses remembered at most; the oldest are forgotten first (memory stays bounded)."""


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str) -> float:
        """Seconds before `client` may try again (0: now)."""
        failures = self._recent(client)
        if len(failures) < self.max_failures:
            return 0.0
        return max(0.0, failures[0] + self.window_s - self.clock())

    def failed(self, client: str) -> None:
        failures = self._recent(client)
        failures.append(self.clock())
        # Re-inserted last: the dict's order is then "least recently failed first".
        self._failures.pop(client, None)
        self._failures[client] = failures
        while len(self._failures) > MAX_CLIENTS:
            del self._failures[next(iter(self._failures))]

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.get(client, deque())
        cutoff = self.clock() - self.window_s
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures
