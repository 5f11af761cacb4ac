"""The command surface: what every adapter offers, taken from the registry.

Adapters build their `/nova` subcommands (or REPL commands) from here when they start,
after the cogs have loaded, so a command a cog adds reaches every platform without an
adapter edit; and every adapter shows a reply to the same audience.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from novabot.commands.command import Command, CommandReply
from novabot.config import ConfigError


def offered_commands(
    registry: Mapping[str, Command], adapter_names: Collection[str] = ()
) -> dict[str, Command]:
    """The registry's commands as an adapter offers them, in registration order.

    `adapter_names` are commands the adapter answers itself (`ask`, the REPL's `new`): a
    registry command by the same name would be hidden behind them, so it stops start-up.
    """
    taken = sorted(name for name in registry if name in adapter_names)
    if taken:
        raise ConfigError(
            f"the command '{taken[0]}' clashes with one the adapter answers itself; "
            "rename it in its cog"
        )
    return dict(registry)


def split_command(text: str) -> tuple[str, str]:
    """`bind summarizer` → (`bind`, `summarizer`); names are case-insensitive."""
    name, _, rest = text.strip().partition(" ")
    return name.lower(), rest.strip()


def shown_to_channel(command: Command | None, reply: CommandReply) -> bool:
    """A public command's successful reply goes to the channel; anything else privately."""
    return command is not None and command.public and reply.ok


def syntax(command: Command) -> str:
    """`bind <agent>`, as help lines show a command."""
    return f"{command.name} {command.usage}".strip()
