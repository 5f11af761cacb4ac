"""What every `nova` command needs: the core started and closed, and a usable LLM."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from novabot.config import HOW_TO_CONFIGURE_LLM, Settings
from novabot.core.bot import Bot


class UsageError(Exception):
    """The command cannot run as configured or called; the message says how to fix it."""


@contextlib.asynccontextmanager
async def started_bot(settings: Settings) -> AsyncIterator[Bot]:
    bot = await Bot.start(settings)
    try:
        yield bot
    finally:
        await bot.close()


def require_llm(settings: Settings) -> None:
    if not settings.llm_configured:
        raise UsageError(HOW_TO_CONFIGURE_LLM)
