"""`nova run`: every configured adapter in one process, stopped cleanly on a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Protocol

from novabot.config import Settings
from novabot.core.bot import Bot

if TYPE_CHECKING:
    from novabot.app import App
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder

log = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=7)
"""How long answered event ids are kept: far longer than any platform redelivers."""


class Adapter(Protocol):
    name: str

    @property
    def description(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking new events; answers under way can still be sent."""

    async def close(self) -> None:
        """Release the platform connection, once answers under way are done."""

    def responder_for(self, key: ConversationKey) -> Responder | None:
        """Where to answer in a stored conversation of this platform (None: not ours)."""


def first_responder(adapters: Sequence[Adapter], key: ConversationKey) -> Responder | None:
    for adapter in adapters:
        responder = adapter.responder_for(key)
        if responder is not None:
            return responder
    return None


def configured_adapters(bot: Bot, settings: Settings) -> list[Adapter]:
    """The adapters whose settings are present; their modules load only when needed."""
    adapters: list[Adapter] = []
    if settings.slack.bot_token is not None:
        from novabot.adapters.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter(bot, settings))
    if settings.discord.token is not None:
        from novabot.adapters.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(bot, settings))
    return adapters


async def serve(
    app: App, adapters: Sequence[Adapter], *, grace_s: float, stop: asyncio.Event | None = None
) -> None:
    """Start the adapters, wait for SIGINT/SIGTERM (or `stop`), then shut down in order:
    stop taking events, let answers in progress finish (up to `grace_s`), disconnect."""
    stop = stop or asyncio.Event()
    pruned = await app.store.prune_events(EVENT_MEMORY)
    if pruned:
        log.info("forgot %d processed events older than %s", pruned, EVENT_MEMORY)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    started: list[Adapter] = []
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            log.info("started %s", adapter.description)
            print(f"nova: listening on {adapter.description}", flush=True)
        resumed = await app.pipelines.resume_all(partial(first_responder, started))
        if resumed:
            print(f"nova: resuming pipelines {', '.join(f'#{n}' for n in resumed)}", flush=True)
        await stop.wait()
        print("nova: stopping…", flush=True)
    finally:
        for adapter in reversed(started):
            await adapter.stop()
        cut = await app.bot.drain(grace_s)
        if cut:
            log.warning("cut %d answers short at shutdown", cut)
        await app.pipelines.stop()  # checkpointed: they resume at the next start
        for adapter in reversed(started):
            await adapter.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
