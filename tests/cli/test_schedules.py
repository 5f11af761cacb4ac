"""`nova schedule`: add each kind, refuse every bad input in one line with nothing stored,
check the target with the fake Slack and Discord, and the list/show/pause/resume/remove/
run/history round trip, with links to the posts from the outbox."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from novabot.cli.main import main
from novabot.core.message import ConversationKey
from novabot.schedules.runner import post_ref
from novabot.store import Store
from tests.cli.conftest import Nova
from tests.cli.test_projects import one_line_error
from tests.fakes.discord_payloads import dm_channel, guild_payload, text_channel, user_payload
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.helpers import free_port

GUILD, CHANNEL, DM = 10, 20, 30
TIME = r"\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
NO_SCHEDULES = "no schedules yet"


@pytest.fixture
def run(nova_here: Nova) -> Nova:
    return nova_here


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nova.db"


@pytest.fixture
async def fake_slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        monkeypatch.setenv("NOVA_SLACK_BOT_TOKEN", fake.token)
        monkeypatch.setenv("NOVA_SLACK_API_URL", fake.api_url)
        yield fake


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        fake.add_guild(guild_payload(GUILD, channels=[text_channel(CHANNEL, GUILD)]))
        fake.add_channel(dm_channel(DM, user_payload(5, "alice")))
        monkeypatch.setenv("NOVA_DISCORD_TOKEN", fake.token)
        monkeypatch.setenv("NOVA_DISCORD_API_URL", fake.api_url)
        yield fake


async def in_thread(run: Nova, *args: str) -> tuple[int, str, str]:
    """`nova` beside a fake served by this test's loop (main() runs a loop of its own)."""
    return await asyncio.to_thread(run, *args)


def added(result: tuple[int, str, str]) -> tuple[int, list[datetime]]:
    """The id and the printed fire times of a successful `schedule add`."""
    code, out, err = result
    assert code == 0, err
    lines = out.splitlines()
    found = re.fullmatch(r"added schedule #(\d+): .+", lines[0])
    assert found, out
    assert re.fullmatch(r"next fire times \([\w/]+\):", lines[1]), out
    times = [datetime.strptime(line.strip()[4:23], "%Y-%m-%d %H:%M:%S") for line in lines[2:]]
    for line in lines[2:]:
        assert re.fullmatch(rf"  {TIME} [A-Z]+", line), line
    return int(found.group(1)), times


def malformed(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`nova ARGS…` that argparse refuses: it exits before main() returns."""
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    out, err = capsys.readouterr()
    return int(str(stopped.value.code)), out, err


async def stored(db: Path) -> int:
    """How many schedules the database holds, whatever their state."""
    async with await Store.open(db) as store:
        return sum([await store.schedule(n) is not None for n in range(1, 10)])


def test_add_each_kind_prints_its_id_and_next_fire_times(run: Nova) -> None:
    cron = added(run("schedule", "add", "--cron", "0 9 * * MON", "--tz", "Europe/London",
                     "--target", "slack:C123", "--digest"))  # fmt: skip
    assert cron[0] == 1 and len(cron[1]) == 3
    assert all(t.weekday() == 0 and t.hour == 9 for t in cron[1])
    every = added(run("schedule", "add", "--every", "30m", "--target", "slack:C123:17.1",
                      "--agent", "chat", "--prompt", "say ok", "--max-tokens", "500"))  # fmt: skip
    number, times = every
    assert number == 2 and len(times) == 3
    assert times[1] - times[0] == times[2] - times[1] == timedelta(minutes=30)
    code, out, _ = run("schedule", "add", "--at", "2099-12-24 15:00", "--tz", "Asia/Tokyo",
                       "--target", "discord:42", "--reminder", "call the supplier")  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == (
        'added schedule #3: the reminder "call the supplier", once at 2099-12-24 15:00'
        " (Asia/Tokyo), in discord:42"
    )
    assert out.splitlines()[1:] == [
        "next fire times (Asia/Tokyo):",
        "  Thu 2099-12-24 15:00:00 JST",
    ]
    listed = run("schedule", "list")[1].splitlines()
    assert [line.split(" ")[0] for line in listed] == ["#1", "#2", "#3"]
    assert listed[1].startswith('#2 @chat answering "say ok", every 30m, in slack:C123:17.1')
    assert re.search(rf"; next {TIME} (GMT|BST)$", listed[0]), listed[0]


BAD_ADDS = [
    (("--cron", "61 * * * *", "--digest"), "is not a cron expression"),
    (("--cron", "0 9 * * *", "--tz", "Mars/Base", "--digest"), "unknown time zone 'Mars/Base'"),
    (("--every", "5s", "--digest"), "every 5s is too often: the least is 10s"),
    (("--every", "soon", "--digest"), "'soon' is not an interval"),
    (("--at", "2020-01-01 10:00", "--digest"), "has already passed"),
    (("--at", "tomorrow", "--digest"), "'tomorrow' is not a date and time"),
    (("--every", "1h", "--agent", "nobody", "--prompt", "x"), "there is no agent named 'nobody'"),
    (("--every", "1h", "--agent", "scheduler", "--prompt", "x"), "cannot run the scheduler"),
    (("--every", "1h", "--digest", "--project", "nope"), "there is no project named 'nope'"),
    (("--every", "1h", "--agent", "chat"), "an agent needs a prompt"),
    (("--every", "1h", "--reminder", " "), "a reminder needs the reminder's text"),
    (("--every", "1h", "--reminder", "x", "--prompt", "y"), "--prompt goes with --agent"),
    (("--every", "1h", "--reminder", "x", "--post-quiet"), "--post-quiet is for digests"),
    (("--every", "1h", "--digest", "--max-tokens", "0"), "the token cap must be a positive"),
]


@pytest.mark.parametrize(("args", "fragment"), BAD_ADDS)
def test_bad_input_is_one_line_and_stores_nothing(
    run: Nova, db: Path, args: tuple[str, ...], fragment: str
) -> None:
    one_line_error(run("schedule", "add", *args, "--target", "slack:C1"), fragment)
    assert run("schedule", "list")[1].startswith(NO_SCHEDULES)
    assert asyncio.run(stored(db)) == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(("--every", "1h", "--digest", "--max-tokens", "lots"), "invalid int value: 'lots'"),
     (("--digest",), "one of the arguments --cron --every --at is required"),
     (("--every", "1h"), "one of the arguments --digest --agent --reminder is required"),
     (("--cron", "0 9 * * *", "--every", "1h", "--digest"), "not allowed with argument --cron")],
)  # fmt: skip
def test_a_malformed_command_is_one_line_too(
    nova_here: Nova, capsys: pytest.CaptureFixture[str], db: Path, args: tuple[str, ...],
    fragment: str,
) -> None:  # fmt: skip
    result = malformed(capsys, "schedule", "add", *args, "--target", "slack:C1")
    one_line_error(result, fragment, "nova schedule add --help")
    assert asyncio.run(stored(db)) == 0


@pytest.mark.parametrize(
    ("target", "fragment"),
    [("mars:C1", "'mars:C1' is not a target"), ("slack:", "is not a target"),
     ("discord:general", "discord:general is not a Discord channel")],
)  # fmt: skip
def test_a_bad_target_is_one_line(run: Nova, db: Path, target: str, fragment: str) -> None:
    one_line_error(
        run("schedule", "add", "--every", "1h", "--target", target, "--digest"), fragment
    )
    assert asyncio.run(stored(db)) == 0


def test_the_floor_is_a_setting(run: Nova, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVA_SCHEDULE_MIN_EVERY_S", "1")
    every = added(run("schedule", "add", "--every", "2s", "--target", "slack:C1", "--digest"))
    assert every[1][1] - every[1][0] == timedelta(seconds=2)


async def test_slack_is_asked_whether_the_channel_exists(
    run: Nova, db: Path, fake_slack: FakeSlack
) -> None:
    add = ("schedule", "add", "--every", "1h", "--digest", "--target")
    fake_slack.fail_next("conversations.info", error="channel_not_found")
    one_line_error(await in_thread(run, *add, "slack:CGONE"), "Slack has no channel CGONE")
    assert await stored(db) == 0
    assert added(await in_thread(run, *add, "slack:C123"))[0] == 1
    asked = fake_slack.calls_to("conversations.info")
    assert [(c.args.get("channel"), c.token) for c in asked] == [
        ("CGONE", fake_slack.token),
        ("C123", fake_slack.token),
    ]
    # Slack refusing to say (the app lacks channels:read) is not a reason to refuse.
    fake_slack.fail_next("conversations.info", error="missing_scope")
    code, out, err = await in_thread(run, *add, "slack:C9")
    assert (code, err) == (0, "nova: warning: could not check slack:C9 (Slack answered "
                               "missing_scope); added it anyway\n")  # fmt: skip
    assert out.startswith("added schedule #2")


async def test_an_unreachable_slack_adds_with_a_warning(
    run: Nova, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("NOVA_SLACK_API_URL", f"http://127.0.0.1:{free_port()}/api")
    code, out, err = await in_thread(
        run, "schedule", "add", "--every", "1h", "--digest", "--target", "slack:C1"
    )
    assert code == 0 and out.startswith("added schedule #1")
    assert (
        err
        == "nova: warning: could not check slack:C1 (Slack cannot be reached); added it anyway\n"
    )


def test_without_a_token_the_target_is_taken_as_given(run: Nova) -> None:
    assert added(run("schedule", "add", "--every", "1h", "--digest", "--target", "slack:CX"))


async def test_discord_is_asked_whether_the_channel_exists(
    run: Nova, db: Path, fake_discord: FakeDiscord
) -> None:
    add = ("schedule", "add", "--every", "1h", "--digest", "--target")
    one_line_error(await in_thread(run, *add, "discord:21"), "Discord has no channel 21")
    assert await stored(db) == 0
    assert added(await in_thread(run, *add, f"discord:{CHANNEL}"))[0] == 1
    asked = fake_discord.requests_to("GET", r"/channels/\d+")
    assert [call.path for call in asked] == ["/channels/21", f"/channels/{CHANNEL}"]
    assert asked[0].headers["authorization"] == f"Bot {fake_discord.token}"


async def seed_runs(db: Path, schedule: int, key: ConversationKey, slots: list[datetime]) -> None:
    """A posted run (its post sent), a quiet one, a failed one and one whose post is pending."""
    async with await Store.open(db) as store:
        refs = [post_ref(schedule, slot) for slot in slots]
        post = await store.record_post(refs[0], key, "digest", owner="w", lease_s=30)
        await store.mark_posted(post.id, "1700000000.000100" if key.platform == "slack" else "555")
        await store.finish_slot(schedule, slots[0], "done", tokens=812, post_ref=refs[0])
        await store.finish_slot(schedule, slots[1], "quiet", tokens=40)
        await store.finish_slot(schedule, slots[2], "failed", error="the model timed out")
        await store.record_post(refs[3], key, "digest", owner="w", lease_s=30)
        await store.finish_slot(schedule, slots[3], "done", tokens=9, post_ref=refs[3])


def test_round_trip(run: Nova, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("project", "create", "airep")
    first = added(run("schedule", "add", "--every", "1h", "--tz", "Europe/London",
                      "--target", "slack:C123", "--digest", "--project", "airep"))  # fmt: skip
    assert first[0] == 1
    assert run("schedule", "pause", "1")[1].startswith("paused schedule #1: a digest of project")
    assert run("schedule", "list")[1].endswith("; paused\n")
    assert run("schedule", "pause", "1")[1] == "schedule #1 was already paused\n"
    one_line_error(run("schedule", "run", "1"), "schedule #1 is paused")
    assert "state: paused" in run("schedule", "show", "1")[1]
    assert run("schedule", "resume", "1")[1].startswith("resumed schedule #1")
    assert re.search(rf"; next {TIME} (GMT|BST)\n$", run("schedule", "list")[1])

    code, out, _ = run("schedule", "run", "#1")
    assert code == 0
    taken = r"`nova run` takes it within 5 s \(NOVA_SCHEDULE_SYNC_S\)"
    assert re.fullmatch(
        rf"schedule #1 will run as the slot {TIME} (GMT|BST): a running {taken}\n", out
    )
    assert re.fullmatch(rf"{TIME} (GMT|BST)  running \(by hand\)  0 tokens\n",
                        run("schedule", "history", "1")[1])  # fmt: skip

    summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    slots = [summer + timedelta(hours=n) for n in range(4)]
    asyncio.run(seed_runs(db, 1, ConversationKey("slack", "C123"), slots))
    history = run("schedule", "history", "1")[1].splitlines()
    assert len(history) == 5 and "running (by hand)" in history[4]  # oldest first
    assert history[:4] == [
        "Wed 2026-07-01 09:00:00 BST  done  812 tokens  "
        "https://slack.com/archives/C123/p1700000000000100",
        "Wed 2026-07-01 10:00:00 BST  quiet  40 tokens",
        "Wed 2026-07-01 11:00:00 BST  failed  0 tokens  the model timed out",
        "Wed 2026-07-01 12:00:00 BST  done  9 tokens  post not sent yet",
    ]
    newest = run("schedule", "history", "1", "--limit", "2")[1].splitlines()
    assert newest == history[3:]
    shown = run("schedule", "show", "1")[1]
    for field in ("kind: digest", "trigger: every 1h", "time zone: Europe/London",
                  "target: slack:C123", "project: airep", "posted when quiet: no",
                  "token cap: NOVA_SCHEDULE_MAX_TOKENS (4000)", "state: live",
                  "next fire times (Europe/London):", "last runs:"):  # fmt: skip
        assert f"\n{field}" in shown or f"  {field}\n" in shown, (field, shown)
    last_runs = shown.split("last runs:\n")[1].splitlines()
    assert len(last_runs) == 5 and "running (by hand)" in last_runs[-1]

    assert run("schedule", "remove", "1")[1].startswith("removed schedule #1")
    assert run("schedule", "list")[1].startswith(NO_SCHEDULES)
    one_line_error(run("schedule", "remove", "1"), "schedule #1 is already removed")
    one_line_error(run("schedule", "pause", "1"), "schedule #1 is already removed")
    one_line_error(run("schedule", "run", "1"), "schedule #1 is already removed")
    one_line_error(run("schedule", "remove", "7"), "there is no schedule #7")
    one_line_error(malformed(capsys, "schedule", "show", "x"), "'x' is not a schedule number")
    # A removed schedule's history stays readable.
    assert "state: removed" in run("schedule", "show", "1")[1]
    assert len(run("schedule", "history", "1")[1].splitlines()) == 5


async def test_a_discord_post_links_to_its_server(
    run: Nova, db: Path, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    added(await in_thread(run, "schedule", "add", "--every", "1h", "--digest",
                          "--target", f"discord:{CHANNEL}"))  # fmt: skip
    added(await in_thread(run, "schedule", "add", "--every", "1h", "--reminder", "hi",
                          "--target", f"discord:{DM}"))  # fmt: skip
    start = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    slots = [start + timedelta(hours=n) for n in range(4)]
    await seed_runs(db, 1, ConversationKey("discord", str(CHANNEL)), slots)
    await seed_runs(db, 2, ConversationKey("discord", str(DM)), slots)
    history = (await in_thread(run, "schedule", "history", "1"))[1].splitlines()
    assert history[0].endswith(f"  https://discord.com/channels/{GUILD}/{CHANNEL}/555")
    dm = (await in_thread(run, "schedule", "history", "2"))[1].splitlines()
    assert dm[0].endswith(f"  https://discord.com/channels/@me/{DM}/555")
    # Without the token the server cannot be learnt: the message id is all there is.
    monkeypatch.delenv("NOVA_DISCORD_TOKEN")
    history = (await in_thread(run, "schedule", "history", "1"))[1].splitlines()
    assert history[0].endswith("  812 tokens  message 555")
