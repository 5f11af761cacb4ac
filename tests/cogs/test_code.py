"""The code agents through a real turn: the fake OpenAI server scripts the tool calls, the
tools read a real repository; and messages reach code-reader or code-reviewer by scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message
from tests.code.conftest import SECRET, outside, repo  # noqa: F401  (fixtures)
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C1")


@pytest.fixture
async def app(settings: Settings, repo: Path) -> AsyncIterator[App]:  # noqa: F811
    async with started_app(settings.replaced(code_repos={"shop": repo})) as started:
        yield started


async def ask(app: App, agent: str, text: str) -> RecordingResponder:
    responder = RecordingResponder(KEY)
    await app.bot.handle(Message(KEY, text, user_id="U1", agent=agent), responder)
    return responder


def tool_result(fake: FakeOpenAI, request: int = 1) -> str:
    return str(fake.requests[request].body["messages"][-1]["content"])


def offered_tools(fake: FakeOpenAI, request: int = 0) -> dict[str, str]:
    tools = fake.requests[request].body.get("tools", [])
    return {tool["function"]["name"]: tool["function"]["description"] for tool in tools}


async def test_code_reader_answers_from_a_search(app: App, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(
        ToolCalls((Call("search_code", {"pattern": "def total_with_vat"}),)),
        Text("It is in src/shop/app.py:8."),
    )
    responder = await ask(app, "code-reader", "where do we add VAT to an order?")
    assert tool_result(fake_openai) == (
        "shop: matches for /def total_with_vat/\n"
        "src/shop/app.py:8: def total_with_vat(lines, rate=0.2):"
    )
    assert responder.texts[-1] == "It is in src/shop/app.py:8."
    offered = offered_tools(fake_openai)
    assert {"list_code_files", "search_code", "read_code_file", "git_log", "git_show"} <= set(
        offered
    )
    assert offered["git_blame"].endswith("Repositories: shop.")


async def test_a_refusal_reaches_the_model_as_one_error_line(
    app: App, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(
        ToolCalls((Call("read_code_file", {"path": ".env"}),)),
        Text("That file holds credentials; I cannot read it."),
    )
    await ask(app, "code-reader", "what is in the .env file of the shop repo?")
    result = tool_result(fake_openai)
    assert result.startswith("error: '.env' looks like a credentials file") and SECRET not in result


async def test_code_reviewer_reads_a_commit_with_git_show(
    app: App, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(
        ToolCalls((Call("git_show", {"commit": "HEAD~1", "repo": "shop"}),)),
        Text("1. total_with_vat: rate is not validated."),
    )
    responder = await ask(app, "code-reviewer", "review the previous commit")
    assert "+def total_with_vat(lines, rate=0.2):" in tool_result(fake_openai)
    assert responder.texts[-1].startswith("1. total_with_vat")
    assert set(offered_tools(fake_openai)) == {"git_show", "read_code_file", "search_code"}


async def test_without_repositories_the_tools_say_how_to_configure_them(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(ToolCalls((Call("git_log", {}),)), Text("None configured."))
    async with started_app(settings) as app:
        await ask(app, "code-reader", "show me the last commits")
    assert tool_result(fake_openai) == (
        "error: no code repository is configured: set NOVA_CODE_REPOS=name=/path/to/repo "
        "(several: a=…,b=…)"
    )


ROUTES = [
    ("where is the login handler defined in our repo?", "code-reader"),
    ("what does the function load_cards do in the nova codebase?", "code-reader"),
    ("show me the recent commits on the main branch", "code-reader"),
    ("who changed line 120 of app.py last?", "code-reader"),
    ("search the repo for uses of datetime.utcnow", "code-reader"),
    ("wheres the config loaded", "code-reader"),
    ("review this patch: - if x = None: + if x is None:", "code-reviewer"),
    ("can you check my diff for bugs before I open the PR?", "code-reviewer"),
    ("code review please, is this function safe? def run(cmd): os.system(cmd)", "code-reviewer"),
    ("review the latest commit and point out risks", "code-reviewer"),
    ("any problems with this SQL string concatenation in my code?", "code-reviewer"),
    ("pls review: function add(a,b){return a-b}", "code-reviewer"),
    # Near the boundary: general programming questions stay with chat.
    ("what is a closure in javascript?", "chat"),
    ("what's the difference between git merge and rebase?", "chat"),
    ("proofread my email to the landlord", "proofreader"),
    ("what do we know about the invoices table?", "project"),
]


async def test_messages_reach_the_code_agents_by_scope(bot: Bot) -> None:
    # One bot for every message: starting one per case costs seconds each.
    wrong = []
    for text, agent in ROUTES:
        route = await bot.router.route(Message(KEY, text, user_id="U1"))
        if route.agent != agent:
            wrong.append(f"{text!r} → {route.agent} ({route.reason}), not {agent}")
    # A near-boundary message or two may go to a neighbour in a seventeen-agent catalog;
    # the labelled cases (tests/routing/test_catalog_cases.py) hold the overall accuracy.
    assert len(wrong) <= 2, wrong
