"""The command surface adapters build from the registry."""

from __future__ import annotations

import pytest

from novabot.commands.builtin import BUILTIN_COMMANDS
from novabot.commands.command import Command, CommandReply
from novabot.commands.surface import offered_commands, shown_to_channel, split_command
from novabot.config import ConfigError


async def noop(ctx: object, args: str) -> str:
    return ""


def test_offered_commands_keep_the_registry_order() -> None:
    registry = {command.name: command for command in BUILTIN_COMMANDS}
    assert list(offered_commands(registry, {"ask"})) == list(registry)


def test_a_command_hidden_by_an_adapters_own_name_stops_start_up() -> None:
    registry = {"ask": Command("ask", "ask something", noop)}
    with pytest.raises(ConfigError, match="the command 'ask' clashes with one the adapter answers"):
        offered_commands(registry, {"ask"})


def test_only_a_public_commands_successful_reply_reaches_the_channel() -> None:
    bind = next(command for command in BUILTIN_COMMANDS if command.name == "bind")
    why = next(command for command in BUILTIN_COMMANDS if command.name == "why")
    assert shown_to_channel(bind, CommandReply("bound"))
    assert not shown_to_channel(bind, CommandReply("usage: bind <agent>", ok=False))
    assert not shown_to_channel(why, CommandReply("because"))
    assert not shown_to_channel(None, CommandReply("Unknown command", ok=False))


def test_bind_and_unbind_are_the_public_built_ins() -> None:
    assert {command.name for command in BUILTIN_COMMANDS if command.public} == {"bind", "unbind"}


def test_split_command() -> None:
    assert split_command("  BIND  summarizer now ") == ("bind", "summarizer now")
    assert split_command("") == ("", "")
