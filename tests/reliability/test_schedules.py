"""Schedules with real `nova run` processes on one database against the fake Slack: each
slot posted exactly once by two processes, a killed holder's slot finished once, one
catch-up after a short outage and none after a long one, and a removal that counts at once
in the other process."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from novabot.store import Store
from tests.adapters.slack.conftest import SECRET
from tests.cli.test_main import nova
from tests.fakes.openai_server import FakeOpenAI, Slow, Text
from tests.fakes.openai_wire import JSON
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_socket import event_body, signed_headers
from tests.helpers import eventually
from tests.reliability.process import NovaProcess, stopped_at_exit
from tests.reliability.test_pipeline_handover import slack_env
from tests.store.digest_seed import date

FAST = {"NOVA_SCHEDULE_SYNC_S": "0.5", "NOVA_LEASE_S": "3"}


async def add_schedule(
    db: Path, *, every: str, kind: str = "agent", created: datetime | None = None
) -> int:
    """A schedule posting in slack:C1, as if made at `created` (default: now)."""
    async with await Store.open(db) as store:
        schedule_id = await store.add_schedule(
            trigger_kind="every", expression=every, tz="UTC", platform="slack",
            channel_id="C1", thread_id=None, kind=kind, owner="cli:tester",
            agent="chat" if kind == "agent" else None,
            prompt=None if kind == "digest" else "say ok",
        )  # fmt: skip
    if created is not None:
        date(db, "schedules", schedule_id, created_at=created, updated_at=created)
    return schedule_id


async def history(db: Path, schedule_id: int) -> list[tuple[str, str, str | None]]:
    async with await Store.open(db) as store:
        runs = await store.schedule_history(schedule_id, limit=1000)
    return [(run.slot.isoformat(), run.status, run.post_ref) for run in runs]


async def has_slots(db: Path, schedule_id: int, status: str, count: int) -> bool:
    """Whether at least `count` of the schedule's slots are recorded with `status`."""
    return [found for _, found, _ in await history(db, schedule_id)].count(status) >= count


def post_tags(fake: FakeSlack) -> list[str]:
    """The outbox tag of every message Nova posted in C1 (one per post and part)."""
    return [
        str(m.get("metadata", {}).get("event_payload", {}).get("tag")) for m in fake.messages["C1"]
    ]


def ok(body: JSON) -> Text:
    return Text("ok")


async def test_two_processes_post_each_slot_exactly_once(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    fake_openai.default = ok
    db = tmp_path / "nova.db"
    schedule_id = await add_schedule(db, every="1s")
    first = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack, **FAST), "first")
    second = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack, **FAST), "second")
    async with stopped_at_exit(first, second):
        await asyncio.gather(first.start(), second.start())
        # Both tick every slot; eight of them, each claimed by whichever is first.
        await eventually(lambda: len(fake_slack.messages["C1"]) >= 8, within=40)
        assert await first.stop() == 0 and await second.stop() == 0
    runs = await history(db, schedule_id)
    done = [run for run in runs if run[1] == "done"]
    assert len(done) >= 8, runs
    assert {status for _, status, _ in runs} <= {"done", "missed"}
    tags = post_tags(fake_slack)
    assert len(tags) == len(done) and len(set(tags)) == len(tags), (tags, runs)
    assert all(m["text"] == "ok" for m in fake_slack.messages["C1"])
    assert len({ref for _, _, ref in done}) == len(done)


async def test_a_slot_held_by_a_killed_process_is_finished_once(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    # The first slot's answer is slow enough to kill its writer mid-way; later ones are quick.
    fake_openai.script(Slow(30, Text("never seen")))
    fake_openai.default = ok
    db = tmp_path / "nova.db"
    schedule_id = await add_schedule(db, every="1h", created=datetime.now(UTC) - timedelta(hours=1))
    first = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack, **FAST), "first")
    second = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack, **FAST), "second")
    async with stopped_at_exit(first, second):
        await first.start()  # catches up the slot due an hour after creation: now
        await fake_openai.wait_for_requests(1)
        await first.kill()
        await second.start()
        await eventually(lambda: len(fake_slack.messages["C1"]) >= 1, within=20)
        await asyncio.sleep(2)  # time for a second post, if there were to be one
        assert await second.stop() == 0
    [(_, status, _)] = await history(db, schedule_id)
    assert status == "done"
    assert [m["text"] for m in fake_slack.messages["C1"]] == ["ok"]


async def test_restarting_catches_up_one_missed_slot_and_records_the_rest(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    db = tmp_path / "nova.db"
    created = datetime.now(UTC) - timedelta(minutes=35)
    schedule_id = await add_schedule(db, every="10m", kind="reminder", created=created)
    service = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack, **FAST))
    async with stopped_at_exit(service):
        await service.start()
        await eventually(lambda: len(fake_slack.messages["C1"]) == 1, within=10)
        await asyncio.sleep(1)  # time for more posts, if there were to be a burst
        assert await service.stop() == 0
    assert Counter(status for _, status, _ in await history(db, schedule_id)) == {
        "missed": 2,
        "done": 1,
    }
    assert len(fake_slack.messages["C1"]) == 1


async def test_after_a_long_outage_nothing_is_posted_in_a_burst(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    db = tmp_path / "nova.db"
    created = datetime.now(UTC) - timedelta(hours=5, minutes=30)
    schedule_id = await add_schedule(db, every="1h", kind="reminder", created=created)
    env = slack_env(tmp_path, fake_openai, fake_slack, NOVA_SCHEDULE_CATCHUP_S="60", **FAST)
    service = NovaProcess(tmp_path, env)
    async with stopped_at_exit(service):
        await service.start()
        await eventually(lambda: has_slots(db, schedule_id, "missed", 5), within=10)
        await asyncio.sleep(1)  # time for posts, if there were to be a burst
        assert await service.stop() == 0
    assert [status for _, status, _ in await history(db, schedule_id)] == ["missed"] * 5
    assert fake_slack.messages["C1"] == []


async def test_a_schedule_removed_elsewhere_never_fires_again(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    db = tmp_path / "nova.db"
    schedule_id = await add_schedule(db, every="1s", kind="reminder")
    service = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack, **FAST))
    async with stopped_at_exit(service):
        await service.start()
        await eventually(lambda: len(fake_slack.messages["C1"]) >= 2, within=10)
        async with await Store.open(db) as store:
            assert await store.remove_schedule(schedule_id)
        posted = len(fake_slack.messages["C1"])
        await asyncio.sleep(3)
        assert await service.stop() == 0
    # A firing already past its "is it live?" check may still post its slot; none after.
    assert len(fake_slack.messages["C1"]) <= posted + 1


async def test_a_scheduled_post_coming_back_as_an_event_is_not_answered(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    db = tmp_path / "nova.db"
    created = datetime.now(UTC) - timedelta(minutes=15)
    await add_schedule(db, every="10m", kind="reminder", created=created)
    env = slack_env(tmp_path, fake_openai, fake_slack, **FAST)
    service = NovaProcess(tmp_path, env)
    async with stopped_at_exit(service):
        await service.start()
        await eventually(lambda: len(fake_slack.messages["C1"]) == 1, within=10)
        # Slack echoes Nova's own post to it; even one naming Nova must not start a loop.
        posted = fake_slack.messages["C1"][0] | {"channel": "C1", "channel_type": "channel"}
        echo = posted | {"text": f"<@UBOT> {posted['text']}"}
        for n, event in enumerate([posted, echo | {"type": "app_mention"}]):
            raw = json.dumps(event_body(event, event_id=f"EvEcho{n}"))
            url = f"http://127.0.0.1:{env['NOVA_HTTP_PORT']}/slack/events"
            async with aiohttp.ClientSession() as session:
                response = await session.post(url, data=raw, headers=signed_headers(raw, SECRET))
                assert response.status == 200
        await asyncio.sleep(1)  # time for an answer, if there were to be one
        assert await service.stop() == 0
    assert fake_openai.requests == [] and len(fake_slack.messages["C1"]) == 1


async def test_a_quiet_digest_posts_nothing_and_asks_no_model(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    db = tmp_path / "nova.db"
    schedule_id = await add_schedule(db, every="1s", kind="digest")
    service = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack, **FAST))
    async with stopped_at_exit(service):
        await service.start()
        await eventually(lambda: has_slots(db, schedule_id, "quiet", 2), within=15)
        assert await service.stop() == 0
    statuses = Counter(status for _, status, _ in await history(db, schedule_id))
    assert statuses["quiet"] >= 2 and set(statuses) <= {"quiet", "missed"}, statuses
    assert fake_slack.messages["C1"] == [] and fake_openai.requests == []


@pytest.mark.slow
async def test_acceptance_a_10s_agent_job_under_two_processes_for_a_minute(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    fake_openai.default = ok
    env = slack_env(tmp_path, fake_openai, fake_slack)
    added = await nova(
        tmp_path, "schedule", "add", "--every", "10s", "--target", "slack:C1",
        "--agent", "chat", "--prompt", "say ok", env=env,
    )  # fmt: skip
    assert added.code == 0, added.err
    schedule_id = re.search(r"#(\d+)", added.out).group(1)  # type: ignore[union-attr]
    first = NovaProcess(tmp_path, env, "first")
    second = NovaProcess(tmp_path, slack_env(tmp_path, fake_openai, fake_slack), "second")
    async with stopped_at_exit(first, second):
        await asyncio.gather(first.start(), second.start())
        await asyncio.sleep(60)
        assert await first.stop() == 0 and await second.stop() == 0
    shown = await nova(tmp_path, "schedule", "history", schedule_id, "--limit", "100", env=env)
    done = [line for line in shown.out.splitlines() if "  done  " in line]
    assert len(done) >= 5, shown.out
    linked = {line.rsplit("/p", 1)[1] for line in done}
    posted = {m["ts"].replace(".", "") for m in fake_slack.messages["C1"]}
    assert len(linked) == len(done) == len(posted) and linked == posted, (shown.out, posted)
