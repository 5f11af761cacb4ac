"""`nova run`: every configured adapter in one process, stopped cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine, Sequence
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from novabot.adapters.http_server import HttpServer
from novabot.adapters.monitoring import MonitoringOnly, mount_monitoring
from novabot.config import ConfigError, Settings

if TYPE_CHECKING:
    from novabot.app import App
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder
from novabot.delivery.recovery import Recovery, Sweep
from novabot.store import Store

log = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=7)
"""How long answered messages stay in the inbox: far longer than any platform redelivers."""


class Adapter(Protocol):
    name: str

    @property
    def description(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking new events; answers under way can still be sent."""

    async def close(self) -> None:
        """Release the platform connection, once answers under way are done."""

    @property
    def started(self) -> bool:
        """Connected (or listening): what `/readyz` reports."""

    def responder_for(self, key: ConversationKey) -> Responder | None:
        """Where to answer in a stored conversation of this platform (None: not ours)."""


def first_responder(adapters: Sequence[Adapter], key: ConversationKey) -> Responder | None:
    for adapter in adapters:
        responder = adapter.responder_for(key)
        if responder is not None:
            return responder
    return None


async def start(adapter: Adapter) -> None:
    """Start one adapter; a port another process holds is one line, not a traceback."""
    try:
        await adapter.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"cannot start {adapter.description}: {reason.lower()}") from None


def report(sweep: Sweep) -> None:
    """What the start found left over from before, in the terminal."""
    if sweep.posted:
        print(f"nova: posted {sweep.posted} answers left unsent", flush=True)
    if sweep.answering:
        print(f"nova: answering {sweep.answering} messages left unanswered", flush=True)
    if sweep.resumed:
        print(f"nova: resuming pipelines {', '.join(f'#{n}' for n in sweep.resumed)}", flush=True)


async def anything_to_serve(settings: Settings) -> bool:
    """Whether `nova run` has a platform to serve (checked before Nova's parts are built)."""
    if settings.slack.bot_token is not None or settings.discord.token is not None:
        return True
    async with await Store.open(settings.db_path) as store:
        return await store.has_api_keys() or await store.dashboard_password() is not None


async def configured_adapters(app: App) -> list[Adapter]:
    """The adapters whose settings are present (the API: once a key exists; the
    dashboard: once its password is set), the ones that answer HTTP sharing one server;
    their modules load only when needed."""
    bot, settings = app.bot, app.settings
    http = HttpServer(settings.http)
    adapters: list[Adapter] = []
    if settings.slack.bot_token is not None:
        from novabot.adapters.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter(bot, settings, http))
    if settings.discord.token is not None:
        from novabot.adapters.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(bot, settings))
    if await app.store.has_api_keys():
        from novabot.api.adapter import ApiAdapter

        adapters.append(ApiAdapter(bot, settings, http))
    dashboard = await app.store.dashboard_password() is not None
    if dashboard:
        from novabot.dashboard.part import DashboardOnly, mount_dashboard

        mount_dashboard(app, http)
        if len(http.prefixes) == 1:  # nothing else starts the server
            adapters.append(DashboardOnly(http))
    if settings.http.always and not http.prefixes:
        adapters.append(MonitoringOnly(http))
    mount_monitoring(app, http, adapters)
    return adapters


async def serve(
    app: App, adapters: Sequence[Adapter], *, grace_s: float, stop: asyncio.Event | None = None
) -> None:
    """Start the adapters, wait for SIGINT/SIGTERM (or `stop`), then shut down in order:
    stop taking events, let answers in progress finish (up to `grace_s`), disconnect."""
    stop = stop or asyncio.Event()
    pruned = await app.store.prune_inbox(EVENT_MEMORY)
    if pruned:
        log.info("forgot %d answered messages older than %s", pruned, EVENT_MEMORY)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await app.worker.forget_old_workers(EVENT_MEMORY)
    await app.worker.start()
    started: list[Adapter] = []
    sweeping: asyncio.Task[None] | None = None
    try:
        for adapter in adapters:
            if not await _unless_stopped(start(adapter), stop):
                print("nova: stopping…", flush=True)
                return  # what did start is shut down below
            started.append(adapter)
            log.info("started %s", adapter.description)
            print(f"nova: listening on {adapter.description}", flush=True)
        recovery = Recovery(
            app.bot,
            app.inbox,
            app.courier,
            app.pipelines,
            partial(first_responder, started),
            [adapter.name for adapter in started],
        )
        report(await recovery.sweep())
        sweeping = asyncio.create_task(recovery.run_forever(app.settings.lease_s / 2))
        await app.scheduler.start(partial(first_responder, started))
        await stop.wait()
        print("nova: stopping…", flush=True)
    finally:
        if sweeping is not None:
            sweeping.cancel()
        for adapter in reversed(started):
            await adapter.stop()
        cut = await app.bot.drain(grace_s)
        cut += await app.scheduler.stop(grace_s)
        if cut:
            log.warning("cut %d answers short at shutdown", cut)
        await app.pipelines.stop()  # checkpointed: they resume at the next start
        await app.worker.stop()  # lets every lease go: the next start takes over at once
        for adapter in reversed(started):
            await adapter.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def _unless_stopped(starting: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Start an adapter unless a signal comes first: a platform that is slow to connect
    (or retries) must not hold a shutdown up. False when the start was given up."""
    task = asyncio.ensure_future(starting)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()  # the adapter closes what it had opened
            await asyncio.wait({task})
    if task.cancelled():
        return False
    task.result()  # a failed start raises here
    return True
