"""The ops agent answering through the bot, its tools scripted by the fake OpenAI server;
who may see what; and which messages the router sends to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from novabot.ops.caller import ERRORS_ARE_FOR_ADMINS, NO_CONVERSATION
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

ADMIN, USER = "ADMIN", "U2"
KEY = ConversationKey("test", "C1")
THREAD = ConversationKey("test", "C1", "T1")
ELSEWHERE = ConversationKey("test", "C2")
LOG_LINES = """\
2026-11-30 09:00:00,001 INFO novabot.adapters.serve: started slack
2026-11-30 09:05:00,002 ERROR novabot.core.bot: agent chat failed in test:C2 [error 3f9a1c2b]
Traceback (most recent call last):
  File "novabot/core/bot.py", line 221, in _run_agent
KeyError: 'secret from C2'
2026-11-30 09:06:00,003 INFO novabot.core.bot: all fine
"""


@pytest.fixture
async def app(settings: Settings, tmp_path: Path) -> AsyncIterator[App]:
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  gpt-a: {input: 1.0, output: 2.0}\n", encoding="utf-8")
    (tmp_path / "nova.log").write_text(LOG_LINES, encoding="utf-8")  # beside the database
    chosen = settings.replaced(admins=frozenset({("test", ADMIN)}), prices_file=prices)
    async with started_app(chosen) as started:
        store = started.store
        for key, model, prompt in [(KEY, "gpt-a", 1_000_000), (THREAD, "local", 500),
                                   (ELSEWHERE, "gpt-a", 2_000_000)]:  # fmt: skip
            await store.record_usage(
                key, agent="chat", model=model, prompt_tokens=prompt, completion_tokens=0
            )
        yield started


async def ask(
    app: App, fake: FakeOpenAI, call: Call, user: str = ADMIN, key: ConversationKey = KEY
) -> tuple[str, RecordingResponder]:
    """Ask the ops agent something whose answer is one scripted tool call; the tool's result."""
    fake.script(ToolCalls((call,)), Text("Here you are."))
    responder = RecordingResponder(key)
    before = len(fake.requests)
    await app.bot.handle(Message(key, "ops question", user_id=user, agent="ops"), responder)
    fake.assert_all_consumed()
    result = fake.requests[before + 1].body["messages"][-1]
    assert result["role"] == "tool"
    return str(result["content"]), responder


async def test_an_admin_sees_every_channels_usage_with_cost(
    app: App, fake_openai: FakeOpenAI
) -> None:
    result, responder = await ask(app, fake_openai, Call("ops_usage", {"by": "channel"}))
    assert result.startswith("Token use by channel, the last 7 days, all channels:")
    assert "- test:C2: 1 calls, 2,000,000 in + 0 out tokens, $2.00" in result
    # C1 also counts the calls this very question made (the fake's model has no price).
    assert "- test:C1: " in result and "no price for fake-model, local: counted as $0" in result
    assert "Total: " in result and "$3.00" in result
    assert responder.texts == ["Here you are."]


async def test_a_non_admin_sees_their_own_channel_only_and_is_told(
    app: App, fake_openai: FakeOpenAI
) -> None:
    result, _ = await ask(app, fake_openai, Call("ops_usage", {"by": "model"}), user=USER)
    first, *rest = result.splitlines()
    assert (
        first == "Only a Nova admin sees every channel's token use; these are this channel's only."
    )
    report = "\n".join(rest)
    assert "in this channel (test:C1)" in report and "$1.00" in report
    assert "2,000,000" not in report  # C2's tokens stay in C2


async def test_errors_are_for_admins_and_found_by_id(app: App, fake_openai: FakeOpenAI) -> None:
    call = Call("ops_errors", {"error_id": "3f9a1c2b"})
    refused, _ = await ask(app, fake_openai, call, user=USER)
    assert refused == ERRORS_ARE_FOR_ADMINS and "secret from C2" not in refused
    found, _ = await ask(app, fake_openai, call)
    assert "[error 3f9a1c2b]" in found and found.endswith("KeyError: 'secret from C2'")
    missing, _ = await ask(app, fake_openai, Call("ops_errors", {"error_id": "deadbeef"}))
    assert missing.startswith("No error deadbeef")
    recent, _ = await ask(app, fake_openai, Call("ops_errors", {}))
    assert recent.startswith("3f9a1c2b: ") and "KeyError" in recent


async def test_health_shows_the_endpoint_up_and_its_address_to_admins_only(
    app: App, fake_openai: FakeOpenAI
) -> None:
    result, _ = await ask(app, fake_openai, Call("ops_health", {}))
    assert f"LLM endpoint {fake_openai.base_url} (model fake-model): up" in result
    assert "Adapters configured: none" in result
    result, _ = await ask(app, fake_openai, Call("ops_health", {}), user=USER)
    assert "LLM endpoint (model fake-model): up" in result and "127.0.0.1" not in result


async def test_pipelines_by_status_in_the_callers_channel(
    app: App, fake_openai: FakeOpenAI
) -> None:
    steps = [("fetch", "summarizer", "read it", [])]
    mine = await app.store.create_run(THREAD, "digest the report", "{}", steps)
    await app.store.start_step(mine, "fetch")
    await app.store.fail_step(mine, "fetch", "the page timed out")
    await app.store.set_run_status(mine, "failed")
    theirs = await app.store.create_run(ELSEWHERE, "other work", "{}", steps)
    await app.store.set_run_status(theirs, "failed")
    call = Call("ops_pipelines", {"status": "failed"})
    result, _ = await ask(app, fake_openai, call, user=USER)
    assert f"#{mine} failed in test:C1/T1" in result and "the page timed out" in result
    assert f"#{theirs}" not in result
    result, _ = await ask(app, fake_openai, call)
    assert f"#{theirs} failed" in result and result.startswith("Pipeline runs: 2 failed.")


async def test_the_agent_list_names_the_routable_agents(app: App, fake_openai: FakeOpenAI) -> None:
    result, _ = await ask(app, fake_openai, Call("ops_agents", {}), user=USER)
    assert "- ops: " in result and "- scheduler: " in result
    assert "planner" not in result  # internal agents are not offered to users


async def test_without_a_users_turn_nothing_channel_bound_is_shown(
    app: App, fake_openai: FakeOpenAI
) -> None:
    """As a pipeline step or a scheduled job runs an agent: no conversation, no admin."""
    calls = (Call("ops_usage", {}), Call("ops_errors", {}))
    fake_openai.script(ToolCalls(calls), Text("Done."))
    await app.registry.agents["ops"].perform(app.llm, "report usage and errors")
    results = [
        m["content"] for m in fake_openai.requests[1].body["messages"] if m["role"] == "tool"
    ]
    assert results == [NO_CONVERSATION, ERRORS_ARE_FOR_ADMINS]


async def test_a_broken_price_file_is_one_line_for_the_model(
    settings: Settings, tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: {m: {input: -1, output: 0}}\n", encoding="utf-8")
    async with started_app(settings.replaced(prices_file=bad)) as app:
        result, _ = await ask(
            app, fake_openai, Call("ops_usage", {}), key=ConversationKey("cli", "main")
        )
    assert result.startswith("error: the price table cannot be used:") and "\n" not in result


ROUTES = [
    ("how many tokens did we use this week?", "ops"),
    ("what's the openai bill looking like this month", "ops"),
    ("are any pipelines stuck right now", "ops"),
    ("is the llm endpoint down?", "ops"),
    ("look up error 9c1d2e3f", "ops"),
    ("token cost per agent since monday", "ops"),
    ("remind me every Friday to check the token bill", "scheduler"),
    ("pause the weekly digest", "scheduler"),
    ("what's a good way to explain tokens to a kid?", "chat"),
    ("give me ideas for naming a new agent", "chat"),
]


async def test_operations_questions_reach_ops_and_near_ones_do_not(app: App) -> None:
    # One app for all of them: starting one per message would cost seconds each.
    wrong = []
    for text, agent in ROUTES:
        route = await app.bot.router.route(Message(KEY, text, user_id=USER))
        if route.agent != agent:
            wrong.append(f"{text!r} went to {route.agent}, not {agent}: {route.reason}")
    assert wrong == []
