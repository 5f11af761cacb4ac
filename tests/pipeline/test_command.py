"""Pipelines started from a chat: their own thread, live progress, one answer, and a
pipeline agent that answers follow-ups in that thread from the run's outputs."""

from __future__ import annotations

import json

from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder, eventually
from tests.pipeline.steps import StepServer

CHANNEL = ConversationKey("test", "C1")
PLAN = {
    "task": "summarise and translate",
    "steps": [
        {"id": "sum", "agent": "summarizer", "instruction": "summarise", "depends_on": []},
        {"id": "fr", "agent": "translator", "instruction": "into French", "depends_on": ["sum"]},
    ],
}


async def start(bot: Bot, fake: FakeOpenAI) -> tuple[RecordingResponder, RecordingResponder]:
    fake.script(Text(json.dumps(PLAN)))  # the planner's reply
    channel = RecordingResponder(CHANNEL)
    reply = await bot.run_command(CHANNEL, "U1", "pipeline", "summarise and translate", channel)
    assert reply.ok and reply.text == "Started pipeline #1 (2 steps) in a thread of its own."
    [thread] = channel.threads
    await eventually(lambda: thread.said)
    return channel, thread


async def test_a_chat_pipeline_lives_in_its_thread(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    _, thread = await start(bot, fake_openai)
    assert thread.said == [("pipeline", "final answer")]
    assert thread.key == ConversationKey("test", "C1", "Pipeline: summarise and translate")
    assert thread.live_texts[0].startswith("Pipeline #1 (pending): summarise and translate")
    assert "✅ fr (translator) done" in thread.live_texts[-1]
    assert any("⏳ sum (summarizer) running" in text for text in thread.live_texts)


async def test_follow_ups_in_the_thread_go_to_the_pipeline_agent(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    _, thread = await start(bot, fake_openai)
    fake_openai.script(Text("The translator said: output of fr"))
    follow_up = Message(thread.key, "what did the translator say?", user_id="U1")
    outcome = await bot.handle(follow_up, thread)
    assert outcome.route and (outcome.route.agent, outcome.route.rule) == ("pipeline", "pipeline")
    system = fake_openai.requests[-1].body["messages"][0]["content"]
    assert "This thread is pipeline #1 (done)" in system
    assert "Output of step 'fr' (translator):\noutput of fr" in system
    assert await bot.follows(thread.key)


async def test_retry_and_cancel_through_the_pipeline_agent(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    _, thread = await start(bot, fake_openai)
    fake_openai.script(
        ToolCalls((Call("retry_steps", {"step": "fr"}),)), Text("Retrying the translation.")
    )
    await bot.handle(Message(thread.key, "redo the French", user_id="U1"), thread)
    await eventually(lambda: steps.calls.get("fr") == 2)
    await eventually(lambda: len([t for _, t in thread.said if t == "final answer"]) == 2)
    tool_result = fake_openai.requests[-3].body["messages"][-1]
    assert tool_result["content"].startswith("retrying fr")
    fake_openai.script(ToolCalls((Call("cancel_pipeline", {}),)), Text("It had already ended."))
    await bot.handle(Message(thread.key, "cancel", user_id="U1"), thread)
    assert (
        fake_openai.requests[-1].body["messages"][-1]["content"] == "the pipeline had already ended"
    )


async def test_list_show_and_usage_from_chat(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    await start(bot, fake_openai)
    listed = await bot.run_command(CHANNEL, "U1", "pipeline", "list")
    assert listed.text == "#1 done: 2/2 steps — summarise and translate"
    shown = await bot.run_command(CHANNEL, "U1", "pipeline", "show 1")
    assert "--- fr (translator) ---\noutput of fr" in shown.text
    usage = await bot.run_command(CHANNEL, "U1", "pipeline", "")
    assert not usage.ok and usage.text.startswith("usage: pipeline <task>")
    from_cli = await bot.run_command(CHANNEL, "U1", "pipeline", "do a thing")
    assert not from_cli.ok and "nova pipeline run" in from_cli.text
