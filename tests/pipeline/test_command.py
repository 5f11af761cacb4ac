"""Pipelines started from a chat: their own thread, live progress, one answer, and a
pipeline agent that answers follow-ups in that thread from the run's outputs."""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator

import pytest

from novabot.app import started_app
from novabot.cli.pipeline import run_number
from novabot.config import Settings
from novabot.core.bot import Bot
from novabot.core.message import ConversationKey, Message
from tests.core.test_access import WhisperingResponder
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder, eventually
from tests.pipeline.steps import StepServer

CHANNEL = ConversationKey("test", "C1")
C2 = ConversationKey("test", "C2")
NOT_HERE = "there is no pipeline run 1 here"
PLAN = {
    "task": "summarise and translate",
    "steps": [
        {"id": "sum", "agent": "summarizer", "instruction": "summarise", "depends_on": []},
        {"id": "fr", "agent": "translator", "instruction": "into French", "depends_on": ["sum"]},
    ],
}


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    """The bot with one admin, ADMIN; everyone else (U1, U2) is an ordinary user."""
    async with started_app(settings.replaced(admins=frozenset({("test", "ADMIN")}))) as app:
        yield app.bot


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


async def test_only_the_runs_starter_steers_it_through_the_pipeline_agent(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    _, thread = await start(bot, fake_openai)
    assert thread.key is not None
    fake_openai.script(Text("Only whoever started it can do that."))
    await bot.handle(Message(thread.key, "cancel this", user_id="U2"), thread)
    offered = {t["function"]["name"] for t in fake_openai.requests[-1].body.get("tools", [])}
    assert not offered & {"retry_steps", "cancel_pipeline"}
    fake_openai.script(Text("Sure."))
    await bot.handle(Message(thread.key, "cancel this", user_id="U1"), thread)
    offered = {t["function"]["name"] for t in fake_openai.requests[-1].body.get("tools", [])}
    assert {"retry_steps", "cancel_pipeline"} <= offered


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


@pytest.mark.parametrize(
    "args",
    [
        "show 1x",
        "cancel 99999999999999999999999",
        "retry -3",
        "show",
        "cancel",
        "retry",
        "show abc",
        "show 9223372036854775808",  # one past SQLite's largest integer
        "show ١",  # a digit, but not an ASCII one
        "show 1 2",
        "retry 1 fr extra",
        "list everything",
        "run",
    ],
)
async def test_a_mistyped_command_gets_one_usage_line_and_starts_nothing(
    bot: Bot, fake_openai: FakeOpenAI, args: str
) -> None:
    channel = RecordingResponder(CHANNEL)
    reply = await bot.run_command(CHANNEL, "U1", "pipeline", args, channel)
    assert not reply.ok and reply.text.startswith("usage: pipeline"), reply.text
    assert "\n" not in reply.text
    assert channel.threads == [] and channel.said == []
    assert fake_openai.requests == [] and await bot.store.list_runs() == []


async def test_the_largest_id_sqlite_holds_is_simply_not_found(bot: Bot) -> None:
    reply = await bot.run_command(CHANNEL, "U1", "pipeline", "show 9223372036854775807")
    assert (reply.ok, reply.text) == (False, "there is no pipeline run 9223372036854775807 here")


async def test_pipeline_run_task_starts_one_and_a_task_may_begin_with_an_action_word(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Text(json.dumps(PLAN)))
    channel = RecordingResponder(CHANNEL)
    reply = await bot.run_command(CHANNEL, "U1", "pipeline", "run show\nme the news", channel)
    assert reply.ok and reply.text.startswith("Started pipeline #1")
    run = await bot.store.get_run(1)
    assert run is not None and run.started_by == "U1"
    planned = fake_openai.requests[0].body["messages"][-1]["content"]
    assert "show\nme the news" in planned  # the task as typed, line break kept


async def test_a_run_does_not_exist_outside_its_conversation(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    _, thread = await start(bot, fake_openai)
    elsewhere = [C2, ConversationKey("other", "C1"), ConversationKey("test", "C1", "another")]
    for key in elsewhere:
        listed = await bot.run_command(key, "U2", "pipeline", "list")
        assert listed.text == "No pipelines here yet. Start one with: pipeline <task>"
        for action in ("show 1", "cancel 1", "retry 1", "retry 1 fr"):
            here = RecordingResponder(key)
            reply = await bot.run_command(key, "U2", "pipeline", action, here)
            assert (reply.ok, reply.text) == (False, NOT_HERE)
            assert here.said == [] and here.live_texts == []
        # The run's starter is no exception: a run is reached from where it lives.
        assert (await bot.run_command(key, "U1", "pipeline", "show 1")).text == NOT_HERE
    missing = await bot.run_command(C2, "U2", "pipeline", "show 2")
    assert missing.text == "there is no pipeline run 2 here"  # the same words as a foreign run
    run = await bot.store.get_run(1)
    assert run is not None and run.status == "done" and steps.calls.get("fr") == 1
    assert thread.key is not None
    for key in (thread.key, CHANNEL):  # its thread, and its channel (a slash command there)
        listed = await bot.run_command(key, "U2", "pipeline", "list")
        assert "summarise and translate" in listed.text
        assert (await bot.run_command(key, "U2", "pipeline", "show 1")).ok


async def test_only_the_starter_or_an_admin_cancels_or_retries(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    _, thread = await start(bot, fake_openai)
    assert thread.key is not None
    for action in ("cancel", "retry"):
        reply = await bot.run_command(thread.key, "U2", "pipeline", f"{action} 1", thread)
        assert (reply.ok, reply.text) == (
            False,
            f"only whoever started pipeline #1 (or an admin) can {action} it",
        )
    assert steps.calls.get("fr") == 1
    retried = await bot.run_command(thread.key, "U1", "pipeline", "retry 1 fr", thread)
    assert retried.text == "Retrying fr of pipeline #1."
    await eventually(lambda: thread.texts.count("final answer") == 2)
    by_admin = await bot.run_command(CHANNEL, "ADMIN", "pipeline", "cancel 1")
    assert (by_admin.ok, by_admin.text) == (True, "Pipeline #1 had already ended.")


async def test_an_admin_reaches_every_run_with_all_and_sees_a_retry_privately(
    bot: Bot, steps: StepServer, fake_openai: FakeOpenAI
) -> None:
    await start(bot, fake_openai)
    refused = await bot.run_command(C2, "U2", "pipeline", "list --all")
    assert (refused.ok, refused.text) == (False, "only a Nova admin can use --all")
    assert (await bot.run_command(C2, "ADMIN", "pipeline", "show 1")).text == NOT_HERE
    listed = await bot.run_command(C2, "ADMIN", "pipeline", "list --all")
    assert listed.text == (
        "#1 done: 2/2 steps — summarise and translate (test:C1/Pipeline: summarise and translate)"
    )
    shown = await bot.run_command(C2, "ADMIN", "pipeline", "show 1 --all")
    assert "--- fr (translator) ---\noutput of fr" in shown.text
    assert (await bot.run_command(C2, "ADMIN", "pipeline", "show 5 --all")).text == (
        "there is no pipeline run 5"
    )
    here = WhisperingResponder(C2)
    retried = await bot.run_command(C2, "ADMIN", "pipeline", "retry 1 fr --all", here)
    assert retried.text == "Retrying fr of pipeline #1."
    # The run's answer goes to the admin alone, not to whoever else is in C2.
    await eventually(lambda: ("ADMIN", "final answer") in here.whispers)
    assert here.said == [] and here.live_texts == [] and here.threads == []
    assert steps.calls.get("fr") == 2


def test_the_terminal_takes_only_ids_sqlite_can_hold() -> None:
    assert run_number("9223372036854775807") == 2**63 - 1
    for text in ("0", "-3", "1x", "9223372036854775808", "٣"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a pipeline number"):
            run_number(text)
