"""A chat command, declared once and offered on every platform (`/nova why`, `why` in the
terminal): its name, help and handler, and the context a handler runs in.

An adapter maps its own syntax to `Bot.run_command` and shows the text that comes back.
The context carries the services a command may use, built by the composition root, so a
command never reaches through the bot for them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from novabot.agents.directory import AgentDirectory
from novabot.core.message import ConversationKey
from novabot.core.responder import Responder

if TYPE_CHECKING:
    from novabot.ops.prices import PriceTable
    from novabot.pipeline.service import PipelineService
    from novabot.routing.router import Router
    from novabot.store import Store


class CommandError(Exception):
    """A command was used wrongly; the message says how to use it."""


@dataclass(frozen=True)
class CommandReply:
    text: str
    ok: bool = True
    """False for a usage error or an unknown command: adapters show those privately."""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Services:
    """What commands may use; the composition root builds it once."""

    store: Store
    agents: AgentDirectory
    router: Router
    pipelines: PipelineService
    commands: Mapping[str, Command]
    """Every registered command, for `help`: read at each use, so cogs' commands count."""
    prices: Callable[[], PriceTable]
    """The model price table as it is now (PriceError when its file is unusable)."""


@dataclass(frozen=True)
class CommandContext:
    services: Services
    key: ConversationKey
    user_id: str
    responder: Responder | None = None
    """Where a command that starts work (a pipeline) can show it; None from the CLI."""
    is_admin: bool = False
    """Whether the caller is an admin (NOVA_ADMINS, or the terminal's user): admins may
    look across conversations (`--all`) and act on anyone's records."""


Handler = Callable[[CommandContext, str], Awaitable[str]]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    handler: Handler
    usage: str = ""
    """Arguments, as shown in help: e.g. `<agent>`."""
    public: bool = False
    """Whether a successful reply is shown to the whole channel (a usage error never is)."""
    admin_only: bool = False
    """Whether only admins may run it (commands that change what everyone shares)."""
