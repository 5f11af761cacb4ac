"""`nova chat`: the REPL driven through its stdin, as a person (or a script) would."""

from __future__ import annotations

from pathlib import Path

import pytest

from novabot.adapters.terminal import Repl
from novabot.commands.command import Command, CommandContext
from novabot.config import ConfigError
from novabot.core.bot import Bot
from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI, Text

SESSION = """translate 'good morning' into French
/why
/new
hello
/bogus
/help
/quit
"""


async def test_repl_answers_with_the_agent_name_and_runs_commands(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text("Bonjour"), Text("Hi there!"))
    result = await nova(tmp_path, "chat", env=cli_env(tmp_path, fake_openai), stdin=SESSION)
    assert result.code == 0, result.err
    out = result.out
    assert "translator › Bonjour\n" in out
    assert "translator answered for \"translate 'good morning' into French\"" in out
    assert "New thread: chat-" in out
    assert "chat › Hi there!\n" in out
    assert "Unknown command 'bogus'" in out
    assert "new — start a fresh thread" in out
    # /new started a fresh thread: the second request carries no earlier history.
    assert len(fake_openai.requests[1].body["messages"]) == 2


async def test_repl_ends_cleanly_at_end_of_input(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    result = await nova(tmp_path, "chat", env=cli_env(tmp_path, fake_openai), stdin="hello\n")
    assert result.code == 0 and "chat › echo: hello" in result.out


async def test_repl_reports_an_unreachable_endpoint_and_keeps_going(tmp_path: Path) -> None:
    env = cli_env(tmp_path, NOVA_LLM_BASE_URL="http://127.0.0.1:9/v1")
    result = await nova(tmp_path, "chat", env=env, stdin="hello\n/agents\n/quit\n")
    assert result.code == 0
    assert "cannot reach the LLM endpoint http://127.0.0.1:9/v1" in result.out
    assert "translator: Translates text" in result.out
    assert "Traceback" not in result.out + result.err


async def test_a_command_named_like_a_repl_command_stops_the_repl(bot: Bot) -> None:
    bot.registry.add_command(Command("new", "start something", noop))
    with pytest.raises(ConfigError, match="the command 'new' clashes with one the adapter"):
        Repl(bot, None)


async def noop(ctx: CommandContext, args: str) -> str:
    return ""
