"""The lifecycle every fake server shares: an aiohttp app on 127.0.0.1 that a test
starts and stops (`async with`), on a free port unless one is asked for."""

from __future__ import annotations

from typing import Self

from aiohttp import web

_GRACE_S = 0.25  # handlers still running at stop are cancelled; don't wait long for them


class LoopbackServer:
    def __init__(self, port: int = 0) -> None:
        self._wanted_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    def add_routes(self, app: web.Application) -> None:
        """Subclasses add their endpoints here."""
        raise NotImplementedError

    async def before_stop(self) -> None:
        """Subclasses cancel their own long-running work here (slow replies, sockets)."""

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        app = web.Application()
        self.add_routes(app)
        # handler_cancellation: a client that gives up (a timeout) cancels its handler.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=_GRACE_S
        )
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self._wanted_port).start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is None:
            return
        runner, self._runner = self._runner, None
        await self.before_stop()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._port
