"""Who may do what, end to end: `nova run` as a process on fake Slack, Discord and OpenAI.

A Slack user's pipeline in a DM is invisible and untouchable from a channel, from another
Slack user and from Discord; only an admin reaches it (`--all`), and even then its answer
is shown to the admin alone. With allow-lists, everyone else gets one private line and
nothing reaches the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.adapters.discord.conftest import ALICE, CHANNEL, DM, GUILD, NOVA_ID, DiscordUsers
from tests.adapters.slack.conftest import SECRET
from tests.conftest import MODEL, cli_env
from tests.fakes.discord_gateway import dm_channel, guild_payload, text_channel
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.openai_server import FakeOpenAI, Reply, Text
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers, slash_body
from tests.helpers import eventually, free_port

ANSWER = "The DM's private answer."
NOT_HERE = "there is no pipeline run 1 here"
PLAN = {"task": "summarise my notes", "steps": [{"id": "sum", "agent": "summarizer",
        "instruction": "summarise them"}]}  # fmt: skip


def replies(body: dict[str, Any]) -> Reply:
    """Plans for the planner, an output per step, ANSWER for the final answer."""
    system = str(body["messages"][0]["content"])
    last = str(body["messages"][-1]["content"])
    if "You plan work for a team" in system:
        return Text(json.dumps(PLAN))
    if "Your step ('sum')" in last:
        return Text("notes, summarised")
    if "Write the final answer" in last:
        return Text(ANSWER)
    return Text("Hello from Nova.")


class Nova:
    """`nova run` with Slack (Events API) and Discord, and the people who talk to it."""

    def __init__(self, slack: FakeSlack, discord: FakeDiscord, port: int) -> None:
        self.slack, self.discord, self.port = slack, discord, port
        self.alice = DiscordUsers(discord)

    async def post(self, raw: str) -> int:
        """A signed request to the Events API endpoint (events and slash commands alike)."""
        url = f"http://127.0.0.1:{self.port}/slack/events"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=raw.encode(), headers=signed_headers(raw, SECRET)) as r,
        ):
            return r.status

    async def slash(self, text: str, *, user: str, channel: str) -> dict[str, Any]:
        """`/nova <text>` on Slack; returns what came back through the response_url."""
        before = len(self.slack.responses)
        raw = slash_body(text, channel_id=channel, user_id=user,
                         response_url=self.slack.response_url())  # fmt: skip
        assert await self.post(raw) == 200
        return (await self.slack.wait_for_responses(before + 1, timeout=15))[before]

    async def discord_slash(self, task: str) -> dict[str, Any]:
        """Alice's `/nova pipeline task:<task>` in the guild channel; returns the reply."""
        before = len(self.discord.followups())
        await self.alice.slash("pipeline", task=task)
        await eventually(lambda: len(self.discord.followups()) > before, within=15)
        reply = self.discord.followups()[before].json
        assert isinstance(reply, dict)
        return reply


@contextlib.asynccontextmanager
async def nova_run(tmp_path: Path, openai: FakeOpenAI, **settings: str) -> AsyncIterator[Nova]:
    async with FakeSlack() as slack, FakeDiscord(application_id=NOVA_ID,
                                                 bot_user_id=NOVA_ID) as discord:  # fmt: skip
        discord.add_guild(guild_payload(GUILD, channels=[text_channel(CHANNEL, GUILD)]))
        discord.add_channel(dm_channel(DM, ALICE))
        port = free_port()
        env = cli_env(
            tmp_path,
            openai,
            NOVA_SLACK_BOT_TOKEN=slack.token,
            NOVA_SLACK_SIGNING_SECRET=SECRET,
            NOVA_SLACK_API_URL=slack.api_url,
            NOVA_HTTP_PORT=str(port),
            NOVA_DISCORD_TOKEN=discord.token,
            NOVA_DISCORD_API_URL=discord.api_url,
            NOVA_DISCORD_GATEWAY_URL=discord.gateway_url,
            NOVA_ROUTER_BACKEND="lexical",  # routing is not what these tests are about
            **settings,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "novabot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            for platform in ("Slack", "Discord"):
                line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
                assert line.decode().startswith(f"nova: listening on {platform}"), line
            yield Nova(slack, discord, port)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, err.decode()


async def nova(tmp_path: Path, openai: FakeOpenAI, *args: str) -> str:
    """The owner at the terminal: `nova <args>` on the same database."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "novabot", *args, cwd=tmp_path, env=cli_env(tmp_path, openai),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


@pytest.fixture
async def openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=(MODEL,), default=replies) as fake:
        yield fake


def ephemeral_texts(slack: FakeSlack, channel: str) -> list[str]:
    return [str(call.args.get("text")) for call in slack.calls_to("chat.postEphemeral")
            if call.args.get("channel") == channel]  # fmt: skip


async def test_a_dm_pipeline_is_seen_and_steered_only_from_its_dm_or_by_an_admin(
    tmp_path: Path, openai: FakeOpenAI
) -> None:
    async with nova_run(tmp_path, openai, NOVA_ADMINS="slack:UADMIN") as nova_:
        started = await nova_.slash("pipeline summarise my notes", user="U1", channel="D1")
        assert started["text"] == "Started pipeline #1 (1 steps) in a thread of its own."
        await eventually(lambda: ANSWER in str(nova_.slack.messages["D1"]), within=15)
        asked = len(openai.requests)  # planner, step, final answer

        # Another Slack user, in channel C2: nothing of the run, and no way to touch it.
        expected = {
            "pipeline list": "No pipelines here yet. Start one with: pipeline &lt;task&gt;",
            "pipeline show 1": NOT_HERE,
            "pipeline retry 1": NOT_HERE,
            "pipeline retry 1 sum": NOT_HERE,
            "pipeline cancel 1": NOT_HERE,
            "pipeline list --all": "only a Nova admin can use --all",
            "pipeline show 1x": "usage: pipeline show &lt;id&gt; — '1x' is not a pipeline number",
            "bind summarizer": "Only a Nova admin can use `bind`.",
            "usage --all": "only a Nova admin can see every conversation (--all)",
        }
        for text, answer in expected.items():
            reply = await nova_.slash(text, user="U2", channel="C2")
            assert (reply["text"], reply["response_type"]) == (answer, "ephemeral"), text

        # A Discord user: the same.
        for task in ("list", "show 1", "retry 1", "cancel 1"):
            reply = await nova_.discord_slash(task)
            assert reply["content"] in {NOT_HERE, "No pipelines here yet. Start one with: "
                                        "pipeline <task>"}, task  # fmt: skip
            assert reply["flags"] & 64  # ephemeral

        assert nova_.slack.messages["C2"] == [] and ephemeral_texts(nova_.slack, "C2") == []
        assert ANSWER not in str(nova_.discord.requests)
        assert len(openai.requests) == asked  # no retry ran

        # An admin reaches it from C2 with --all; a retry there shows its answer to the
        # admin alone (ephemeral), never to the channel.
        listed = await nova_.slash("pipeline list --all", user="UADMIN", channel="C2")
        assert listed["text"].startswith("#1 done: 1/1 steps — summarise my notes (slack:D1/")
        shown = await nova_.slash("pipeline show 1 --all", user="UADMIN", channel="C2")
        assert ANSWER in shown["text"]
        retried = await nova_.slash("pipeline retry 1 sum --all", user="UADMIN", channel="C2")
        assert retried["text"] == "Retrying sum of pipeline #1."
        await eventually(lambda: ANSWER in str(ephemeral_texts(nova_.slack, "C2")), within=15)
        assert {c.args["user"] for c in nova_.slack.calls_to("chat.postEphemeral")} == {"UADMIN"}
        assert nova_.slack.messages["C2"] == []
        bound = await nova_.slash("bind summarizer", user="UADMIN", channel="C2")
        assert bound["response_type"] == "in_channel" and "summarizer" in bound["text"]

    # The terminal is the owner's: it sees the run whatever conversation it lives in.
    assert "Pipeline #1 (done): summarise my notes" in await nova(
        tmp_path, openai, "pipeline", "show", "1"
    )


async def test_allow_lists_give_everyone_else_one_private_line_and_the_model_nothing(
    tmp_path: Path, openai: FakeOpenAI
) -> None:
    async with nova_run(tmp_path, openai, NOVA_ALLOWED_USERS="slack:U1") as nova_:
        mention = {"type": "app_mention", "user": "U9", "text": "<@UBOT> hello",
                   "ts": "100.000001", "channel": "C1", "event_ts": "100.000001"}  # fmt: skip
        assert await nova_.post(json.dumps(event_body(mention, event_id="Ev1"))) == 200
        [whispered] = await nova_.slack.wait_for("chat.postEphemeral", timeout=15)
        assert whispered.args["user"] == "U9" and whispered.args["channel"] == "C1"
        assert "NOVA_ALLOWED_USERS" in whispered.args["text"]
        asked = await nova_.slash("ask hello", user="U9", channel="C1")
        assert asked["response_type"] == "ephemeral" and "NOVA_ALLOWED_USERS" in asked["text"]
        pipeline = await nova_.slash("pipeline summarise my notes", user="U9", channel="C1")
        assert "NOVA_ALLOWED_USERS" in pipeline["text"]

        # Alice is not on the list: her mention in the guild is answered by a DM.
        await nova_.alice.say("hello", mention=True)
        await eventually(lambda: nova_.discord.bot_messages(DM), within=15)
        [dm] = nova_.discord.bot_messages(DM)
        assert "NOVA_ALLOWED_USERS" in dm["content"]
        assert nova_.discord.bot_messages(CHANNEL) == []
        assert nova_.slack.calls_to("chat.postMessage") == []
        assert openai.requests == []

        # U1 is on the list: answered as ever.
        allowed = mention | {"user": "U1", "ts": "100.000002", "event_ts": "100.000002"}
        assert await nova_.post(json.dumps(event_body(allowed, event_id="Ev2"))) == 200
        await eventually(lambda: "Hello from Nova." in str(nova_.slack.messages["C1"]), within=15)
        assert len(nova_.slack.calls_to("chat.postEphemeral")) == 1
