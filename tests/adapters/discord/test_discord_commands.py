"""`/nova` on Discord is built from the registry, within Discord's limits."""

from __future__ import annotations

import pytest

from novabot.adapters.discord.commands import nova_commands
from novabot.commands.command import Command, CommandContext
from novabot.config import ConfigError
from novabot.core.bot import Bot


async def noop(ctx: CommandContext, args: str) -> str:
    return ""


def test_every_registry_command_is_a_subcommand(bot: Bot) -> None:
    bot.registry.add_command(Command("dice", "roll a die", noop, "[sides]"))
    group = nova_commands(bot, interval_s=1)
    assert [command.name for command in group.commands] == ["ask", *bot.commands]
    dice = group.get_command("dice")
    assert dice is not None and dice.description == "Roll a die"
    [args] = dice.parameters  # type: ignore[union-attr]
    assert (args.name, args.required, args.description) == ("args", False, "[sides]")


def test_more_than_25_subcommands_stop_start_up(bot: Bot) -> None:
    for n in range(25 - len(bot.commands)):
        bot.registry.add_command(Command(f"extra{n}", "one too many", noop))
    with pytest.raises(ConfigError, match=r"Discord allows 25 subcommands under /nova .* has 26"):
        nova_commands(bot, interval_s=1)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (Command("Roll", "roll", noop), "the command name 'Roll' is not valid on Discord"),
        (Command("roll dice", "roll", noop), "the command name 'roll dice' is not valid"),
        (Command("r" * 33, "roll", noop), "is not valid on Discord: use 1 to 32"),
        (Command("roll", "x" * 101, noop), "'roll' has a 101-character summary; Discord takes"),
        (Command("roll", "", noop), "'roll' has a 0-character summary"),
        (Command("roll", "roll", noop, "<n> " * 30), "'roll' has a 120-character usage"),
    ],
)
def test_a_command_discord_would_refuse_is_named(bot: Bot, command: Command, expected: str) -> None:
    bot.registry.add_command(command)
    with pytest.raises(ConfigError, match=expected):
        nova_commands(bot, interval_s=1)
