"""One HTTP server for every part of Nova that answers HTTP (`NOVA_HTTP_HOST`/`_PORT`).

Each part is an aiohttp application of its own (its middlewares apply to its routes
only), mounted under a path prefix before the server starts: Slack's Events API at
`/slack`, the API at `/v1`, and whatever comes next (health, metrics, a dashboard) the
same way, without the other parts knowing. The composition (adapters/serve.py) decides
what is mounted; the parts that serve over it start it, and the first start binds the
port, so "listening on …" is printed only once the port is really open.

Stopping is in two steps, like the adapters': `stop` refuses new requests (503) and
closes the listening socket while answers under way keep their connections; `close`,
after the bot has let those answers finish, shuts the server down.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler

from novabot.config import HTTPSettings
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 5.0
"""How long `close` waits for requests still being handled: the bot's drain has already
given answers their grace, so what is left is short (acks, a last chunk)."""


class HttpServer:
    def __init__(self, settings: HTTPSettings, *, close_wait_s: float = CLOSE_WAIT_S) -> None:
        self.host = settings.host
        self.port = settings.port
        self.close_wait_s = close_wait_s
        self.prefixes: list[str] = []
        self._root = web.Application(middlewares=[self._refuse_when_stopping])
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def started(self) -> bool:
        """Listening for new requests."""
        return self._site is not None

    def mount(self, prefix: str, part: web.Application) -> None:
        """Serve `part`'s routes under `prefix` (e.g. `/v1`); only before the start."""
        if self._runner is not None:
            raise RuntimeError(f"cannot mount {prefix} on a started server")
        self._root.add_subapp(prefix, part)
        self.prefixes.append(prefix)

    def add_routes(self, routes: Sequence[web.RouteDef]) -> None:
        """Serve `routes` at the top level (`/healthz`); only before the start."""
        if self._runner is not None:
            raise RuntimeError("cannot add routes to a started server")
        self._root.add_routes(routes)

    async def start(self) -> None:
        """Bind the port and serve (once: later calls do nothing). OSError if the port is
        taken; the caller turns it into one line naming what could not start."""
        if self._stopping:
            raise RuntimeError("a stopped server does not start again; make a new one")
        if self._runner is not None:
            return
        runner = web.AppRunner(self._root, access_log=None, shutdown_timeout=self.close_wait_s)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        log.info("serving %s at %s", ", ".join(self.prefixes), self.url)

    async def stop(self) -> None:
        """Take no new requests; the ones being answered keep their connections."""
        self._stopping = True
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()

    async def close(self) -> None:
        """Shut down: requests still running get `close_wait_s`, then are cancelled."""
        await self.stop()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @web.middleware
    async def _refuse_when_stopping(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        # A kept-alive connection can still carry a request after the socket stopped
        # listening; it would start an answer the shutdown no longer waits for.
        if self._stopping:
            return web.Response(
                status=503, text="Nova is stopping", headers={"Connection": "close"}
            )
        return await handler(request)


class HttpPart:
    """A part of `nova run` that is routes on the shared server and nothing more: started,
    stopped and closed with the server, and with no conversation to answer in after a
    restart (an HTTP caller cannot be reached once its request has ended)."""

    name = "http"

    def __init__(self, http: HttpServer) -> None:
        self.http = http

    @property
    def started(self) -> bool:
        return self.http.started

    async def start(self) -> None:
        await self.http.start()

    async def stop(self) -> None:
        await self.http.stop()

    async def close(self) -> None:
        await self.http.close()

    def responder_for(self, key: ConversationKey) -> Responder | None:
        return None
