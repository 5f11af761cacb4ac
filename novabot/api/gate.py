"""The API's door: a known key (401 otherwise), within its rate (429 with Retry-After)."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from novabot.api.completions import API_KEY
from novabot.api.errors import ApiError
from novabot.api.keys import key_hash
from novabot.api.limits import RateLimiter
from novabot.store import Store
from novabot.store.api_keys import ApiKeyRecord

NOTE_USE_EVERY_S = 60.0
"""A key's "last used" is written at most this often: not a database write per request."""


class Gate:
    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self.limiter = RateLimiter(clock)
        self._noted: dict[str, float] = {}

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = await self.authenticate(request)
        wait = self.limiter.retry_after(key.name, key.rate_limit, key.rate_period_s)
        if wait is not None:
            raise ApiError(
                429,
                f"Rate limit reached for this API key ({key.rate_limit} requests per "
                f"{key.rate_period_s} s); try again in {wait} s.",
                kind="requests",
                code="rate_limit_exceeded",
                headers={"Retry-After": str(wait)},
            )
        await self.note_use(key.name)
        request[API_KEY] = key
        return await handler(request)

    async def authenticate(self, request: web.Request) -> ApiKeyRecord:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise _unauthorized(
                "You didn't provide an API key: send it as `Authorization: Bearer KEY` "
                "(create one with `nova api-key create NAME`)."
            )
        key = await self.store.api_key_by_hash(key_hash(given.strip()))
        if key is None:
            raise _unauthorized("Incorrect API key provided (unknown or revoked).")
        return key

    async def note_use(self, name: str) -> None:
        now = self.clock()
        if now - self._noted.get(name, float("-inf")) >= NOTE_USE_EVERY_S:
            self._noted[name] = now
            await self.store.note_api_key_used(name)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, code="invalid_api_key")
