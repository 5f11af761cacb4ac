"""Every token the endpoint serves is counted, under the agent, conversation and run that
used it."""

from __future__ import annotations

from collections import Counter

from novabot.app import App
from novabot.core.message import ConversationKey, Message
from novabot.llm.metering import UNATTRIBUTED, charged_to, current_charge
from novabot.pipeline.plan import parse_plan
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C1", None)
PLAN = {
    "task": "summarise, then translate",
    "steps": [
        {"id": "gist", "agent": "summarizer", "instruction": "summarise it"},
        {"id": "fr", "agent": "translator", "instruction": "in French", "depends_on": ["gist"]},
    ],
}


def test_a_charge_inherits_what_it_does_not_name() -> None:
    assert current_charge().key == UNATTRIBUTED
    with charged_to("chat", key=KEY):
        with charged_to("translator") as inner:
            assert (inner.key, inner.agent, inner.run_id) == (KEY, "translator", None)
        with charged_to("summarizer", run_id=7), charged_to("translator") as nested:
            assert (nested.key, nested.run_id) == (KEY, 7)
        assert current_charge().agent == "chat"
    assert current_charge().key == UNATTRIBUTED


async def test_usage_totals_equal_the_tokens_served(app: App, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(
        ToolCalls((Call("ask_agent", {"agent": "translator", "request": "'hi' in French"}),)),
        Text("Salut", prompt_tokens=31),  # the translator, asked by chat
        Text("In French: Salut.", prompt_tokens=57),
        Text("a short gist", prompt_tokens=13),
        Text("un résumé court", prompt_tokens=17),
        Text("the final answer", prompt_tokens=19),
    )
    message = Message(KEY, "how do I say hi in French?", user_id="U1", agent="chat")
    await app.bot.handle(message, RecordingResponder(KEY))
    executor = app.pipelines.executor
    run_id = await executor.create(KEY, parse_plan(PLAN, "test"))
    await executor.run(run_id)

    rows = await app.store.usage(None)
    served = [usage for _, usage in fake_openai.served_usage]
    assert len(served) == 6 and sum(row.calls for row in rows) == 6
    assert sum(row.prompt_tokens for row in rows) == sum(u["prompt_tokens"] for u in served)
    assert sum(row.completion_tokens for row in rows) == sum(u["completion_tokens"] for u in served)
    calls = Counter({row.agent: row.calls for row in await app.store.usage(KEY)})
    assert calls["chat"] == 2 and calls["translator"] >= 1  # the hand-off, under its agent
