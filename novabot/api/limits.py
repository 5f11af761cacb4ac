"""Each API key's rate limit: a sliding window of its recent requests, in this process.

Kept in memory: a limit guards Nova's LLM budget against a runaway client, and a restart
forgetting the window is harmless. Two `nova run` processes each allow the full rate.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, name: str, count: int, period_s: float) -> int | None:
        """None when `name` may make a request now (it is counted); otherwise the whole
        seconds until it may."""
        now = self.clock()
        hits = self._hits.setdefault(name, deque())
        while hits and hits[0] <= now - period_s:
            hits.popleft()
        if len(hits) >= count:
            return max(1, math.ceil(hits[0] + period_s - now))
        hits.append(now)
        return None
