"""Which web pages may call the API from a browser (`NOVA_API_CORS_ORIGINS`).

A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered before the key
is checked: browsers send it without credentials. Every response to an allowed origin,
errors included, carries the headers a page needs to read it and Nova's own headers.
"""

from __future__ import annotations

from collections.abc import Collection

from aiohttp import web
from aiohttp.typedefs import Handler

METHODS = "GET, POST, OPTIONS"
EXPOSED = "X-Nova-Agent, X-Nova-Route, X-Nova-Conversation, Retry-After"
MAX_AGE_S = 600


class Cors:
    def __init__(self, origins: Collection[str]) -> None:
        self.origins = set(origins)

    def allowed(self, origin: str | None) -> str | None:
        """The `Access-Control-Allow-Origin` value for `origin`, or None if refused."""
        if not origin:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin.rstrip("/") in self.origins else None

    @web.middleware
    async def preflight(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return await handler(request)
        allowed = self.allowed(request.headers.get("Origin"))
        if allowed is None:
            return web.Response(status=403, text="origin not allowed (NOVA_API_CORS_ORIGINS)")
        asked = request.headers.get("Access-Control-Request-Headers", "")
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": allowed,
                "Access-Control-Allow-Methods": METHODS,
                # What the page's client sends (Authorization, the SDK's own headers).
                "Access-Control-Allow-Headers": asked or "Authorization, Content-Type",
                "Access-Control-Max-Age": str(MAX_AGE_S),
                "Vary": "Origin",
            },
        )

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        allowed = self.allowed(request.headers.get("Origin"))
        if allowed is not None and "Access-Control-Allow-Origin" not in response.headers:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = EXPOSED
            response.headers["Vary"] = "Origin"
