"""The scheduler agent: proposals made only on confirm, its tools' limits (admins, jobs
with no user turn), and scheduling requests routed to it by scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from novabot.app import App
from novabot.core.message import Message
from tests.cogs.schedules.chat import (
    KEY,
    OTHER_USER,
    THREAD,
    USER,
    ZONE,
    ask,
    new_id,
    run,
    tool_result,
)
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls

NO_JOB = "error: scheduled jobs cannot create or change schedules"

# -- the scheduler agent --------------------------------------------------------------


def proposal(**arguments: str) -> ToolCalls:
    return ToolCalls((Call("propose_schedule", arguments),))


async def test_a_proposal_is_offered_and_made_only_on_confirm(
    app: App, fake_openai: FakeOpenAI
) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d 15:00")
    args = {"trigger": "at", "when": tomorrow, "what": "reminder", "text": "Call the supplier"}
    fake_openai.script(proposal(**args), Text("Proposed."))
    responder = await ask(app, "remind me tomorrow at 3 to call the supplier", key=THREAD)
    # The model is told the date and time, and in which zone, to resolve "tomorrow".
    system = fake_openai.requests[0].body["messages"][0]["content"]
    assert "Now: " in system and ZONE in system
    assert await app.store.schedules() == []  # a proposal is not a schedule yet
    result = tool_result(fake_openai)
    assert result.startswith("proposed #") and "nothing is scheduled until" in result
    schedule_id = int(result.split("#", 1)[1].split(":", 1)[0])
    row = await app.store.schedule(schedule_id)
    assert row is not None and row.proposed and not row.live
    assert (row.key, row.owner, row.prompt) == (THREAD, f"test:{USER}", "Call the supplier")
    [offer] = [text for text in responder.texts if "/nova schedule confirm" in text]
    assert f"{tomorrow}" in offer and "in test:C1:T1" in offer
    assert f"/nova schedule cancel {schedule_id}" in offer
    ok, text = await run(app, f"schedule confirm {schedule_id}", user=OTHER_USER, key=THREAD)
    assert not ok and "someone else's proposal" in text
    ok, text = await run(app, f"schedule confirm {schedule_id}", user=USER, key=THREAD)
    assert ok and text.startswith(f"Confirmed #{schedule_id}")
    assert [r.id for r in await app.store.schedules(live_only=True)] == [schedule_id]
    for verb in ("confirm", "cancel"):
        ok, text = await run(app, f"schedule {verb} {schedule_id}", user=USER)
        assert (ok, text) == (False, f"#{schedule_id} was already confirmed.")


async def test_a_cancelled_proposal_never_becomes_live(app: App, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(
        proposal(trigger="cron", when="0 9 * * MON", what="digest"), Text("Proposed."),
    )  # fmt: skip
    await ask(app, "every Monday at 9 post a digest of this channel", key=THREAD)
    schedule_id = int(tool_result(fake_openai).split("#", 1)[1].split(":", 1)[0])
    row = await app.store.schedule(schedule_id)
    assert row is not None and row.key == KEY  # a digest is the channel's, not the thread's
    assert "An admin confirms it" in tool_result(fake_openai)
    ok, text = await run(app, f"schedule confirm {schedule_id}", user=USER)
    assert not ok and "Only a Nova admin can confirm a digest" in text  # theirs, yet a digest
    assert (await run(app, f"schedule cancel {schedule_id}", user=USER))[0]
    for verb in ("confirm", "cancel"):
        ok, text = await run(app, f"schedule {verb} {schedule_id}")
        assert (ok, text) == (False, f"#{schedule_id} was already cancelled.")
    assert await app.store.schedules() == []


async def test_a_bad_proposal_comes_back_to_the_model_with_the_time(
    app: App, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(
        proposal(trigger="at", when="2020-05-01 15:00", what="reminder", text="x"),
        Text("That time has passed."),
    )
    responder = await ask(app, "remind me at 3 to do x")
    result = tool_result(fake_openai)
    assert "has already passed" in result and f"in {ZONE}" in result
    assert not any("/nova schedule confirm" in text for text in responder.texts)
    assert await app.store.schedule(1) is None


async def test_a_proposal_that_passed_while_waiting_is_not_confirmed(app: App) -> None:
    # Stored as the tool stores it, for a time that has since gone by.
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    schedule_id = await app.store.add_schedule(
        trigger_kind="at", expression=past, tz="UTC", platform="test", channel_id="C1",
        thread_id=None, kind="reminder", owner=f"test:{USER}", prompt="late", proposed=True,
    )  # fmt: skip
    ok, text = await run(app, f"schedule confirm {schedule_id}", user=USER)
    assert not ok and "cannot start" in text and "has already passed" in text
    row = await app.store.schedule(schedule_id)
    assert row is not None and row.proposed


async def test_list_pause_and_remove_through_the_agent(app: App, fake_openai: FakeOpenAI) -> None:
    mine = new_id((await run(app, "schedule add --every 1h --reminder stretch", user=USER))[1])
    digest = new_id((await run(app, "schedule add --cron '0 9 * * *' --digest"))[1])
    fake_openai.script(
        ToolCalls((Call("list_schedules", {}),)), Text("Listed."),
        ToolCalls((Call("pause_schedule", {"schedule_id": digest}),)), Text("No."),
        ToolCalls((Call("remove_schedule", {"schedule_id": mine}),)), Text("Removed."),
    )  # fmt: skip
    await ask(app, "what reminders do I have?")
    listed = tool_result(fake_openai, 1)
    assert f"#{mine}" in listed and "(yours)" in listed and f"#{digest}" in listed
    await ask(app, "pause the daily digest")
    assert tool_result(fake_openai, 3).startswith("error: Only a Nova admin can pause a digest")
    await ask(app, "cancel my stretch reminder")
    assert tool_result(fake_openai, 5).startswith(f"Removed #{mine}")
    assert [row.id for row in await app.store.schedules(live_only=True)] == [digest]


async def test_an_agent_without_a_user_turn_cannot_make_or_change_schedules(
    app: App, fake_openai: FakeOpenAI
) -> None:
    """As a scheduled job runs an agent: `perform`, with no conversation turn."""
    digest = new_id((await run(app, "schedule add --cron '0 9 * * *' --digest"))[1])
    calls = [
        Call(
            "propose_schedule", {"trigger": "every", "when": "1h", "what": "reminder", "text": "x"}
        ),
        Call("list_schedules", {}),
        Call("pause_schedule", {"schedule_id": digest}),
        Call("resume_schedule", {"schedule_id": digest}),
        Call("remove_schedule", {"schedule_id": digest}),
    ]
    fake_openai.script(ToolCalls(tuple(calls)), Text("Done."))
    await app.registry.agents["scheduler"].perform(app.llm, "set up reminders forever")
    results = [
        m["content"] for m in fake_openai.requests[1].body["messages"] if m["role"] == "tool"
    ]
    assert results == [NO_JOB] * len(calls)
    assert [(row.id, row.live) for row in await app.store.schedules()] == [(digest, True)]


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("every Tuesday at 10 post a digest of this channel", "scheduler"),
        ("remind me on Friday at 2 to renew the domain", "scheduler"),
        ("stop the daily digest", "scheduler"),
        ("which reminders are set for me?", "scheduler"),
        ("what time is it in New York?", "chat"),
        ("summarise this thread for me", "summarizer"),
        ("note that the deploy freeze starts on the 20th", "scribe"),
    ],
)
async def test_scheduling_requests_reach_the_scheduler_by_scope(
    app: App, text: str, agent: str
) -> None:
    route = await app.bot.router.route(Message(KEY, text, user_id=USER))
    assert route.agent == agent, route.reason


async def test_the_same_proposal_asked_again_is_offered_again_not_doubled(
    app: App, fake_openai: FakeOpenAI
) -> None:
    """As when a message is answered again after a crash: one proposal, offered twice."""
    args = {"trigger": "every", "when": "1h", "what": "reminder", "text": "Stretch"}
    fake_openai.script(proposal(**args), Text("Proposed."), proposal(**args), Text("Proposed."))
    first = await ask(app, "remind me every hour to stretch")
    second = await ask(app, "remind me every hour to stretch")
    assert tool_result(fake_openai, 1).split(":")[0] == tool_result(fake_openai, 3).split(":")[0]
    offers = [t for r in (first, second) for t in r.texts if "/nova schedule confirm 1" in t]
    assert len(offers) == 2
    fake_openai.script(proposal(**args | {"text": "Stand up"}), Text("Proposed."))
    await ask(app, "remind me every hour to stand up")
    assert tool_result(fake_openai, 5).startswith("proposed #2")
