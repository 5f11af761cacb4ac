"""What every `nova` command needs: Nova's parts started and closed, and a usable LLM."""

from __future__ import annotations

from novabot.app import App, started_app
from novabot.config import HOW_TO_CONFIGURE_LLM, Settings

__all__ = ["App", "UsageError", "require_llm", "started_app"]


class UsageError(Exception):
    """The command cannot run as configured or called; the message says how to fix it."""


def require_llm(settings: Settings) -> None:
    if not settings.llm_configured:
        raise UsageError(HOW_TO_CONFIGURE_LLM)
