"""Cogs: the modules in `cogs/` that give agents tools and add chat commands.

Each cog module has `async def setup(nova)`; `nova` is a `CogSetup`, which takes what the
cog adds and offers what a cog may need to build it (settings, the store, the LLM).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from novabot.agents.tools import Tool, ToolFunc, make_tool
from novabot.commands.command import Command
from novabot.config import Settings
from novabot.core.registry import Registry
from novabot.llm.client import LLM
from novabot.store import Store

log = logging.getLogger(__name__)


class CogError(Exception):
    """A cog could not be loaded; the message names it."""


@dataclass(frozen=True)
class CogSetup:
    """What a cog's `setup` receives."""

    registry: Registry
    settings: Settings
    store: Store
    llm: LLM

    def add_tool(self, func: ToolFunc | Tool, *, name: str | None = None) -> Tool:
        tool = func if isinstance(func, Tool) else make_tool(func, name=name)
        self.registry.add_tool(tool)
        return tool

    def add_command(self, command: Command) -> None:
        self.registry.add_command(command)


async def load_cogs(package: str, nova: CogSetup) -> None:
    """Import every module of the cogs package and await its `setup(nova)`."""
    root = importlib.import_module(package)
    for module_info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        name = f"{package}.{module_info.name}"
        try:
            module = importlib.import_module(name)
            setup: Callable | None = getattr(module, "setup", None)
            if setup is None:
                raise CogError(f"cog {name} has no `async def setup(nova)`")
            await setup(nova)
        except CogError:
            raise
        except Exception as exc:
            log.exception("cog %s failed to load", name)
            raise CogError(f"cog {name} failed to load: {exc}") from exc
