"""Cogs: a module with `setup(bot)` adds tools and commands; a card uses them by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from novabot.agents.cards import CardError, shipped_cards_dir
from novabot.app import build_app
from novabot.config import Settings
from novabot.core.cogs import CogError
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

COG = '''
from novabot.commands.command import Command


async def roll(sides: int = 6) -> int:
    """Roll a die."""
    return sides


async def dice_command(ctx, args: str) -> str:
    return f"rolled for {ctx.user_id}: {args or 6}"


async def setup(bot) -> None:
    bot.add_tool(roll)
    bot.add_command(Command("dice", "roll a die", dice_command, "[sides]"))
'''

CARD = """---
name: gamer
description: Plays dice games.
does: [Rolls dice]
does_not: [Anything else]
examples: [roll a die for me]
tools: [roll]
---
You roll dice.
"""


def make_package(root: Path, name: str, modules: dict[str, str]) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(source)


async def test_a_cog_adds_a_tool_and_a_command(
    tmp_path: Path, settings: Settings, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_package(tmp_path, "dicecogs", {"dice": COG})
    monkeypatch.syspath_prepend(str(tmp_path))
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "gamer.md").write_text(CARD)
    app = await build_app(
        settings, cogs=("cogs", "dicecogs"), card_dirs=[shipped_cards_dir(), cards]
    )
    bot = app.bot
    try:
        key = ConversationKey("test", "C1")
        reply = await bot.run_command(key, "U7", "dice", "20")
        assert reply.ok and reply.text == "rolled for U7: 20"
        fake_openai.script(ToolCalls((Call("roll", {"sides": 20}, id="r1"),)), Text("You got 20"))
        responder = RecordingResponder()
        await bot.handle(Message(key, "roll a die for me", user_id="U7"), responder)
    finally:
        await app.close()
    assert responder.said == [("gamer", "You got 20")]
    assert fake_openai.requests[1].body["messages"][-1]["content"] == "20"


async def test_a_card_naming_an_unregistered_tool_is_refused(
    tmp_path: Path, settings: Settings
) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "gamer.md").write_text(CARD)
    with pytest.raises(CardError, match=r"gamer\.md: field 'tools': unknown tool 'roll'"):
        await build_app(settings, card_dirs=[shipped_cards_dir(), cards])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\n", "cog badcogs.broken has no `async def setup(nova)`"),
        ("async def setup(bot):\n    raise ValueError('no config')\n", "failed to load: no config"),
        ("import not_a_module\n", "failed to load: No module named 'not_a_module'"),
    ],
)
async def test_a_broken_cog_stops_start_up_with_its_name(
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    expected: str,
) -> None:
    package = f"badcogs_{abs(hash(source))}"  # fresh name: imported modules are cached
    make_package(tmp_path, package, {"broken": source})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CogError, match=re.escape(expected.replace("badcogs", package))):
        await build_app(settings, cogs=(package,))
