"""The web chat: `/widget.js` (and its stylesheet) for any website, `/chat` as Nova's own page.

The files ship inside the package (novabot/api/static/) and are read once. The script
finds the API next to itself, so these routes sit at the top level beside `/v1`. `/chat`
is same-origin and gets a strict Content-Security-Policy: scripts, styles and requests
only from Nova itself, so even a hostile answer has nothing to load or send anywhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

CHAT_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
CACHE_ASSET = "public, max-age=300"
"""The script's address has no version in it: a short life, then a cheap revalidation."""
CACHE_PAGE = "no-cache"
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    cache_control: str
    extra_headers: tuple[tuple[str, str], ...] = ()

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    def response(self, request: web.Request) -> web.Response:
        headers = {
            **COMMON_HEADERS,
            "Cache-Control": self.cache_control,
            "ETag": self.etag,
            **dict(self.extra_headers),
        }
        if self.etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = self.content_type
        return web.Response(body=self.body, headers=headers)


def _read(name: str) -> bytes:
    return resources.files("novabot.api").joinpath("static", name).read_bytes()


def widget_routes() -> list[web.RouteDef]:
    """`/widget.js`, `/widget.css` and `/chat`, served wherever the API is."""
    assets = {
        "/widget.js": Asset(_read("widget.js"), "text/javascript; charset=utf-8", CACHE_ASSET),
        "/widget.css": Asset(_read("widget.css"), "text/css; charset=utf-8", CACHE_ASSET),
        "/chat": Asset(
            _read("chat.html"),
            "text/html; charset=utf-8",
            CACHE_PAGE,
            (("Content-Security-Policy", CHAT_CSP),),
        ),
    }

    return [web.get(path, _handler(asset)) for path, asset in assets.items()]


def _handler(asset: Asset) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return asset.response(request)

    return handler
