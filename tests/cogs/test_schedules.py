"""Schedules in chat: `/nova schedule`, `/nova digest` and the scheduler agent's tools, run
through the bot as every adapter runs them (the fake OpenAI server scripts the model)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

ADMIN, USER, OTHER_USER = "ADMIN", "U2", "U3"
KEY = ConversationKey("test", "C1")
THREAD = ConversationKey("test", "C1", "T1")
ELSEWHERE = ConversationKey("test", "C2")
ZONE = "Europe/London"
NO_JOB = "error: scheduled jobs cannot create or change schedules"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    chosen = settings.replaced(admins=frozenset({("test", ADMIN)}), timezone=ZONE)
    async with started_app(chosen) as started:
        await started.store.create_project("airep")
        yield started


async def run(
    app: App, text: str, user: str = ADMIN, key: ConversationKey = KEY
) -> tuple[bool, str]:
    name, _, args = text.partition(" ")
    reply = await app.bot.run_command(key, user, name, args, RecordingResponder(key))
    assert "\n" not in reply.text or reply.ok, reply.text  # errors are one line
    return reply.ok, reply.text


def new_id(text: str) -> int:
    """`Added #12: …` → 12."""
    return int(text.split("#", 1)[1].split(":", 1)[0])


async def ask(
    app: App, text: str, user: str = USER, key: ConversationKey = KEY
) -> RecordingResponder:
    responder = RecordingResponder(key)
    await app.bot.handle(Message(key, text, user_id=user, agent="scheduler"), responder)
    return responder


def tool_result(fake: FakeOpenAI, request: int = 1) -> str:
    return str(fake.requests[request].body["messages"][-1]["content"])


# -- /nova schedule -------------------------------------------------------------------


async def test_add_a_digest_here_and_see_it_in_words(app: App) -> None:
    ok, text = await run(app, 'schedule add --cron "0 9 * * MON" --digest --project airep')
    assert ok and text.startswith("Added #")
    row = await app.store.schedule(new_id(text))
    assert row is not None and row.live
    assert (row.kind, row.expression, row.tz, row.project) == (
        "digest",
        "0 9 * * MON",
        ZONE,
        "airep",
    )
    assert (row.key, row.owner) == (KEY, f"test:{ADMIN}")
    assert "a digest of project airep" in text and "in test:C1" in text
    assert text.count("Mon ") == 3  # the next three Mondays, in words


async def test_flags_as_on_the_command_line(app: App) -> None:
    ok, text = await run(
        app,
        "schedule add --every 30m --tz America/New_York --target slack:C9:T7 --agent chat"
        " --prompt “say ok” --max-tokens 500",  # a chat client's curly quotes
    )
    assert ok, text
    row = await app.store.schedule(new_id(text))
    assert row is not None
    assert (row.trigger_kind, row.expression, row.tz) == ("every", "30m", "America/New_York")
    assert (row.key, row.agent, row.prompt, row.max_tokens) == (
        ConversationKey("slack", "C9", "T7"), "chat", "say ok", 500,
    )  # fmt: skip


async def test_the_target_defaults_to_this_thread(app: App) -> None:
    ok, text = await run(app, "schedule add --every 1h --reminder stretch", user=USER, key=THREAD)
    assert ok, text
    row = await app.store.schedule(new_id(text))
    assert row is not None and row.key == THREAD and row.owner == f"test:{USER}"


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        ('--cron "61 9 * * *" --digest', "is not a cron expression"),
        ("--every 30m --tz Mars/Olympus --digest", "unknown time zone"),
        ("--every 2s --digest", "too often"),
        ('--at "2020-01-01 09:00" --digest', "has already passed"),
        ("--every 1h --agent nobody --prompt hi", "no agent named 'nobody'"),
        ("--every 1h --agent scheduler --prompt hi", "cannot run the scheduler"),
        ("--every 1h --digest --project nosuch", "no project named 'nosuch'"),
        ("--every 1h", "required"),
        ("--every 1h --cron '0 9 * * *' --digest", "not allowed with"),
        ("--every 1h --agent chat", "go together"),
        ("--every 1h --reminder hi --project airep", "go with --digest"),
        ("--every 1h --digest --target mastodon:C1", "is not a target"),
        ("--every 1h --digest --target cli:main", "is not a target"),
        ("--every 1h --digest --max-tokens lots", "invalid int"),
        ("--every 1h --reminder 'unclosed", "no closing quotation"),
        ("--every 1h --digest --frequently", "unrecognized"),
        ("", "usage: schedule add (--cron"),
    ],
)
async def test_bad_input_is_one_line_and_stores_nothing(app: App, flags: str, says: str) -> None:
    ok, text = await run(app, f"schedule add {flags}")
    assert not ok and says in text and "\n" not in text, text
    assert await app.store.schedules() == []


async def test_digests_and_agent_jobs_are_for_admins_reminders_for_anyone(app: App) -> None:
    for flags in ("--every 1h --digest", "--every 1h --agent chat --prompt hi"):
        ok, text = await run(app, f"schedule add {flags}", user=USER)
        assert not ok and text.startswith("Only a Nova admin can schedule"), text
    ok, text = await run(app, "schedule add --every 1h --reminder hi --target slack:C1", user=USER)
    assert not ok and "Reminders go to this channel" in text
    assert await app.store.schedules() == []
    ok, text = await run(app, "schedule add --cron 0 9 * * * --reminder drink water", user=USER)
    assert ok, text  # unquoted words, as people type them in chat
    row = await app.store.schedule(new_id(text))
    assert row is not None and (row.expression, row.prompt) == ("0 9 * * *", "drink water")


async def test_list_shows_this_channels_schedules_and_admins_may_see_all(app: App) -> None:
    await run(app, "schedule add --every 1h --reminder here", user=USER)
    await run(app, "schedule add --every 1h --reminder there", user=OTHER_USER, key=ELSEWHERE)
    ok, text = await run(app, "schedule list", user=USER)
    assert ok and '"here"' in text and "(yours)" in text and "there" not in text
    ok, text = await run(app, "schedule list --all", user=USER)
    assert not ok and "Only a Nova admin" in text
    ok, text = await run(app, "schedule list --all")
    assert ok and '"here"' in text and '"there"' in text
    assert (
        "No schedules post in this channel"
        in (await run(app, "schedule list", key=ConversationKey("test", "C5")))[1]
    )


async def test_own_reminders_are_yours_to_change_others_are_not(app: App) -> None:
    mine = new_id((await run(app, "schedule add --every 1h --reminder mine", user=USER))[1])
    theirs = new_id((await run(app, "schedule add --every 1h --reminder t", user=OTHER_USER))[1])
    digest = new_id((await run(app, "schedule add --every 1h --digest"))[1])
    ok, text = await run(app, f"schedule pause {mine}", user=USER)
    assert ok and text.startswith(f"Paused #{mine}")
    assert (await run(app, f"schedule pause {mine}", user=USER))[1] == f"#{mine} is already paused."
    ok, text = await run(app, f"schedule resume #{mine}", user=USER)
    assert ok and "Next:" in text
    ok, text = await run(app, f"schedule pause {theirs}", user=USER)
    assert not ok and "someone else's reminder" in text
    ok, text = await run(app, f"schedule remove {digest}", user=USER)
    assert not ok and text.startswith(f"Only a Nova admin can remove a digest (#{digest})")
    assert (await run(app, f"schedule remove {theirs}"))[0]  # an admin may
    ok, text = await run(app, f"schedule remove {mine}", user=USER)
    assert ok and "will not fire again" in text
    live = {row.id for row in await app.store.schedules()}
    assert live == {digest}


async def test_another_channels_schedule_is_not_found_here(app: App) -> None:
    there = new_id(
        (await run(app, "schedule add --every 1h --reminder x", user=USER, key=ELSEWHERE))[1]
    )
    for verb in ("show", "pause", "resume", "remove", "run", "history", "confirm", "cancel"):
        for schedule_id in (there, 9999):
            ok, text = await run(app, f"schedule {verb} {schedule_id}", user=USER)
            assert not ok and text == f"There is no schedule #{schedule_id} here.", verb
    row = await app.store.schedule(there)
    assert row is not None and row.live


async def test_show_and_run_now(app: App) -> None:
    schedule_id = new_id((await run(app, "schedule add --every 1h --reminder tea", user=USER))[1])
    ok, text = await run(app, f"schedule run {schedule_id}", user=USER)
    assert ok and text.startswith(f"#{schedule_id} runs now")
    [requested] = await app.store.schedule_history(schedule_id)
    assert requested.manual and requested.status == "running"  # for a `nova run` to take
    ok, text = await run(app, f"schedule show {schedule_id}", user=OTHER_USER)
    assert ok and f"Owner: test:{USER}" in text and "Next:" in text and ": running" in text
    ok, text = await run(app, f"schedule history {schedule_id}", user=OTHER_USER)
    assert ok and text.endswith("(asked by hand): running, 0 tokens")
    await run(app, f"schedule pause {schedule_id}", user=USER)
    ok, text = await run(app, f"schedule run {schedule_id}", user=USER)
    assert not ok and "is paused" in text
    assert not (await run(app, "schedule run"))[0]
    assert not (await run(app, "schedule frobnicate 3"))[0]


# -- /nova digest ---------------------------------------------------------------------


async def test_digest_daily_then_weekly_replaces_it(app: App) -> None:
    ok, text = await run(app, "digest", user=USER)
    assert ok and "no digest" in text and "/nova digest daily" in text
    ok, text = await run(app, "digest daily 9:05", key=THREAD)
    assert ok, text
    [daily] = await app.store.schedules()
    assert (daily.kind, daily.expression, daily.tz, daily.key) == ("digest", "5 9 * * *", ZONE, KEY)
    ok, text = await run(app, "digest weekly Monday 17:30")
    assert ok and f"It replaces #{daily.id}" in text
    [weekly] = await app.store.schedules()
    assert weekly.expression == "30 17 * * mon"
    ok, text = await run(app, "digest", user=USER)
    assert ok and f"#{weekly.id}" in text and "Next:" in text and "17:30" in text
    for bad in ("digest daily 25:00", "digest weekly someday 09:00", "digest hourly"):
        ok, text = await run(app, bad)
        assert not ok and "\n" not in text, bad
    assert [row.id for row in await app.store.schedules()] == [weekly.id]
    ok, text = await run(app, "digest daily 09:00", user=USER)
    assert not ok and "Only a Nova admin" in text


async def test_digest_now_runs_this_channels_digest_or_says_how_to_add_one(app: App) -> None:
    ok, text = await run(app, "digest now")
    assert not ok and "no digest to run" in text and "/nova digest daily" in text
    assert await app.store.schedules() == []  # no one-shot made behind the user's back
    await run(app, "digest daily 08:00")
    [digest] = await app.store.schedules()
    ok, text = await run(app, "digest now")
    assert ok and text.startswith(f"#{digest.id} runs now")
    [run_row] = await app.store.schedule_history(digest.id)
    assert run_row.manual


async def test_digest_off_removes_this_channels_digests_only(app: App) -> None:
    await run(app, "digest daily 08:00")
    await run(app, "digest daily 08:00", key=ELSEWHERE)
    await run(app, "schedule add --every 1h --reminder stays", user=USER)
    ok, text = await run(app, "digest off")
    assert ok and "Removed this channel's digest" in text
    kinds = {(row.channel_id, row.kind) for row in await app.store.schedules()}
    assert kinds == {("C2", "digest"), ("C1", "reminder")}
    assert (await run(app, "digest off"))[1] == "There was no digest."


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


async def test_with_no_admin_set_the_refusal_says_how_to_set_one(settings: Settings) -> None:
    async with started_app(settings) as app:
        ok, text = await run(app, "schedule add --every 1h --digest", user=USER)
    assert not ok and "none is set" in text and f"NOVA_ADMINS=test:{USER}" in text


async def test_the_terminal_is_no_target_a_schedule_can_post_to(app: App) -> None:
    terminal = ConversationKey("cli", "main")
    ok, text = await run(app, "schedule add --every 1h --reminder stretch", key=terminal)
    assert not ok and "posts in Slack or Discord" in text
    assert await app.store.schedules() == []
