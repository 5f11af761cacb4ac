"""Hand-offs: an agent gives a sub-task to another, or starts a pipeline, by tool call."""

from __future__ import annotations

import json

from novabot.app import build_app
from novabot.config import Settings
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message
from tests.conftest import MODEL
from tests.fakes.openai_server import Call, FakeOpenAI, Reply, Text, ToolCalls
from tests.helpers import RecordingResponder, eventually

KEY = ConversationKey("test", "C1", None)


async def test_ask_agent_brings_the_specialists_answer_back(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(
        ToolCalls((Call("ask_agent", {"agent": "translator", "request": "'hello' in French"}),)),
        Text("Bonjour"),  # the translator, asked by chat
        Text("In French that is: Bonjour."),
    )
    responder = RecordingResponder(KEY)
    await bot.handle(
        Message(KEY, "how do I say hello in French?", user_id="U1", agent="chat"), responder
    )
    assert responder.said == [("chat", "In French that is: Bonjour.")]
    translator_call = fake_openai.requests[1].body["messages"]
    assert translator_call[0]["content"].startswith("You are a careful translator.")
    tool_result = fake_openai.requests[2].body["messages"][-1]["content"]
    assert tool_result == "translator answered:\nBonjour"


async def test_unknown_or_internal_agents_cannot_be_asked(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(
        ToolCalls((Call("ask_agent", {"agent": "planner", "request": "x"}),)), Text("ok")
    )
    await bot.handle(Message(KEY, "hello", user_id="U1"), RecordingResponder(KEY))
    assert (
        fake_openai.requests[1]
        .body["messages"][-1]["content"]
        .startswith("error: no agent named 'planner'")
    )


def conversation_with_a_pipeline(body: dict) -> Reply:
    """Replies chosen by what is asked, since the pipeline runs beside the conversation."""
    messages = body["messages"]
    last = str(messages[-1]["content"])
    if "You plan work for a team" in str(messages[0]["content"]):
        plan = {"task": "t", "steps": [{"id": "a", "agent": "summarizer", "instruction": "do a"}]}
        return Text(json.dumps(plan))
    if "Your step ('a')" in last:
        return Text("output of a")
    if "Write the final answer" in last:
        return Text("final answer")
    if messages[-1]["role"] == "tool":
        return Text("Started it in a new thread.")
    return ToolCalls((Call("start_pipeline", {"task": "summarise the report"}),))


async def test_start_pipeline_from_a_conversation(settings: Settings) -> None:
    async with FakeOpenAI(models=(MODEL,), default=conversation_with_a_pipeline) as fake:
        app = await build_app(settings.replaced(llm_base_url=fake.base_url))
        bot = app.bot
        try:
            responder = RecordingResponder(KEY)
            text = "hello, plan this and do it: summarise the report"
            await bot.handle(Message(KEY, text, user_id="U1", agent="chat"), responder)
            assert responder.said == [("chat", "Started it in a new thread.")]
            [thread] = responder.threads
            await eventually(lambda: thread.said == [("pipeline", "final answer")])
            run = await bot.store.get_run(1)
            assert run is not None and run.started_by == "U1"  # who asked, not the agent
        finally:
            await app.close()
    tool_results = [m for r in fake.requests for m in r.body["messages"] if m["role"] == "tool"]
    assert tool_results[0]["content"] == "started pipeline #1 with 1 steps in a new thread"
