"""The scheduler agent's confirm flow survives a crash: a `nova run` proposes a reminder
and is SIGKILLed mid-answer; the restarted process answers the message again (offering the
same proposal, not a second one); nothing fires while it waits; Confirm, clicked on the
dead process's message, makes the schedule live exactly once (the running scheduler takes
it up and posts each slot once), and every later click is told it was already confirmed."""

from __future__ import annotations

import contextlib
import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from novabot.store import Store
from novabot.store.schedules import ScheduleRow
from tests.adapters.slack.conftest import SECRET
from tests.conftest import cli_env
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.fakes.slack_server import ApiCall, FakeSlack, action_body, event_body, signed_headers
from tests.helpers import eventually, free_port
from tests.reliability.process import NovaProcess, stopped_at_exit

ASK = "<@UBOT> @scheduler remind me every hour to stretch"
PROPOSE = ToolCalls(
    (Call("propose_schedule", {"trigger": "every", "when": "1s", "what": "reminder",
                               "text": "Stretch"}),)
)  # fmt: skip
SLOW_REPLY = Text("I proposed it: " + " ".join(f"w{n}" for n in range(40)), chunk_delay_s=0.25)


async def post(url: str, raw: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=raw, headers=signed_headers(raw, SECRET)) as response,
    ):
        return response.status


def offers(fake: FakeSlack) -> list[dict[str, Any]]:
    """The messages with buttons, as users' clients still show them (later edits aside)."""
    return [copy.deepcopy(m) for m in fake.messages["C1"] if m.get("blocks")]


def reminders(fake: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in fake.messages["C1"] if "Reminder: Stretch" in m.get("text", "")]


def button(message: dict[str, Any], label: str) -> tuple[str, str]:
    blocks = message["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    [actions] = [block for block in blocks if block["type"] == "actions"]
    [found] = [e for e in actions["elements"] if e["text"]["text"] == label]
    return found["action_id"], found["value"]


def edits_of(fake: FakeSlack, message: dict[str, Any]) -> list[ApiCall]:
    """Edits of one message (answers being streamed are edited too)."""
    return [call for call in fake.calls_to("chat.update") if call.args["ts"] == message["ts"]]


async def click(url: str, message: dict[str, Any], label: str, user: str) -> None:
    action_id, value = button(message, label)
    assert await post(url, action_body(message, action_id, value, user_id=user)) == 200


async def all_schedules(db: Path) -> list[ScheduleRow]:
    """Every row, proposals and removed ones too: nothing may have been doubled."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        ids = [int(row[0]) for row in connection.execute("SELECT id FROM schedules ORDER BY id")]
    store = await Store.open(db)
    try:
        rows = [await store.schedule(schedule_id) for schedule_id in ids]
    finally:
        await store.close()
    return [row for row in rows if row is not None]


async def test_confirm_after_a_crash_makes_one_live_schedule_once(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    port = free_port()
    env = cli_env(tmp_path, fake_openai, NOVA_SLACK_BOT_TOKEN=fake_slack.token,
                  NOVA_SLACK_SIGNING_SECRET=SECRET, NOVA_SLACK_API_URL=fake_slack.api_url,
                  NOVA_HTTP_PORT=str(port), NOVA_SLACK_UPDATE_INTERVAL_S="0.2",
                  NOVA_ADMINS="slack:UADMIN", NOVA_SCHEDULE_MIN_EVERY_S="1",
                  NOVA_SCHEDULE_SYNC_S="0.3")  # fmt: skip
    url = f"http://127.0.0.1:{port}/slack/events"
    first, second = NovaProcess(tmp_path, env, "first"), NovaProcess(tmp_path, env, "second")
    # The first process proposes, then dies while its reply streams; the second answers
    # the same message again, and the model proposes the same reminder again.
    fake_openai.script(PROPOSE, SLOW_REPLY, PROPOSE, Text("I proposed it."))
    event = {"type": "app_mention", "user": "U1", "text": ASK, "ts": "100.000001",
             "channel": "C1", "event_ts": "100.000001"}  # fmt: skip
    async with stopped_at_exit(first, second):
        await first.start()
        assert await post(url, json.dumps(event_body(event, event_id="Ev1"))) == 200
        [offered] = await eventually(lambda: offers(fake_slack), within=20)
        await eventually(lambda: "w3" in str(fake_slack.messages["C1"]), within=20)
        await first.kill()
        [proposal] = await all_schedules(tmp_path / "nova.db")
        assert proposal.proposed and not proposal.live

        await second.start()
        await second.wait_for_lines("nova: answering 1 messages left unanswered")
        await eventually(lambda: len(offers(fake_slack)) == 2, within=20)
        again = offers(fake_slack)[1]
        assert button(again, "Confirm") == button(offered, "Confirm")  # the same proposal

        await click(url, offered, "Confirm", "U3")  # neither its proposer nor an admin
        [refused] = await eventually(lambda: fake_slack.calls_to("chat.postEphemeral"))
        assert refused.args["user"] == "U3" and "someone else's proposal" in refused.args["text"]
        assert (await all_schedules(tmp_path / "nova.db"))[0].proposed

        assert reminders(fake_slack) == []  # a proposal never fires
        await click(url, offered, "Confirm", "U1")  # on the dead process's message
        [update] = await eventually(lambda: edits_of(fake_slack, offered))
        assert "Confirmed #" in update.args["text"]
        [live] = await all_schedules(tmp_path / "nova.db")
        assert (live.id, live.live, live.prompt) == (proposal.id, True, "Stretch")

        for message, label in ((again, "Confirm"), (offered, "Cancel"), (again, "Cancel")):
            await click(url, message, label, "U1")
        await eventually(lambda: len(fake_slack.calls_to("chat.postEphemeral")) == 4)
        whispers = fake_slack.calls_to("chat.postEphemeral")[1:]
        assert all("already confirmed" in w.args["text"] for w in whispers)
        assert len(edits_of(fake_slack, offered)) == 1 and not edits_of(fake_slack, again)
        await eventually(lambda: len(reminders(fake_slack)) >= 2, within=10)
        assert await second.stop() == 0
    [after] = await all_schedules(tmp_path / "nova.db")
    assert after.live and after.id == proposal.id
    async with await Store.open(tmp_path / "nova.db") as store:
        done = [r for r in await store.schedule_history(after.id) if r.status == "done"]
    posted = reminders(fake_slack)
    assert len(posted) == len(done) and {m["thread_ts"] for m in posted} == {"100.000001"}
