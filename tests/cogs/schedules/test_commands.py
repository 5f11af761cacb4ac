"""`/nova schedule` and `/nova digest` in chat: who may add, change and see which
schedules, in words, with one-line errors, run through the bot as every adapter runs them."""

from __future__ import annotations

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey
from tests.cogs.schedules.chat import (
    ADMIN,
    ELSEWHERE,
    KEY,
    OTHER_USER,
    THREAD,
    USER,
    ZONE,
    new_id,
    run,
)

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


async def test_with_no_admin_set_the_refusal_says_how_to_set_one(settings: Settings) -> None:
    async with started_app(settings) as app:
        ok, text = await run(app, "schedule add --every 1h --digest", user=USER)
    assert not ok and "none is set" in text and f"NOVA_ADMINS=test:{USER}" in text


async def test_the_terminal_is_no_target_a_schedule_can_post_to(app: App) -> None:
    terminal = ConversationKey("cli", "main")
    ok, text = await run(app, "schedule add --every 1h --reminder stretch", key=terminal)
    assert not ok and "posts in Slack or Discord" in text
    assert await app.store.schedules() == []
