"""The fake must behave like Discord as seen by the real discord.py client."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.app_commands import Choice

from tests.fakes.discord_gateway import (
    guild_payload,
    interaction_create,
    message_create,
    text_channel,
    user_payload,
)
from tests.fakes.discord_server import FakeDiscord

GUILD, CHANNEL, USER = 10, 20, 42
ALICE = user_payload(USER, "alice")
CHANNEL_MESSAGES = r"/channels/\d+/messages"


@pytest.fixture(autouse=True)
def no_discord_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py logs (and swallows) exceptions in handlers and parsers: fail on them."""
    caplog.set_level(logging.WARNING, logger="discord")
    yield
    errors = [r for r in caplog.records if r.name.startswith("discord") and r.levelno >= 40]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        server.add_guild(guild_payload(GUILD, channels=[text_channel(CHANNEL, GUILD)]))
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
        gateway = yarl.URL(server.gateway_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", gateway)
        yield server


class Bot(discord.Client):
    def __init__(self, **options: object) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.05, **options)  # type: ignore[arg-type]
        self.received: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.tree = app_commands.CommandTree(self)

    async def on_message(self, message: discord.Message) -> None:
        await self.received.put(message)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every IDENTIFY but the first: not against a fake."""


@asynccontextmanager
async def running(fake: FakeDiscord, client: Bot) -> AsyncIterator[Bot]:
    task: asyncio.Task[None] | None = None
    try:
        await client.login(fake.token)
        task = asyncio.create_task(client.connect())
        async with asyncio.timeout(5):
            await client.wait_until_ready()
        yield client
    finally:
        await client.close()
        if task is not None:
            async with asyncio.timeout(3):
                await task


async def next_message(client: Bot) -> discord.Message:
    async with asyncio.timeout(5):
        return await client.received.get()


async def test_rest_answers_are_exact_json(fake: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.api_url}/users/@me", headers=headers) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["bot"] is True
        async with session.get(f"{fake.api_url}/nope", headers=headers) as response:
            assert response.status == 404
            assert await response.json() == {"message": "Unknown", "code": 0}
        async with session.get(f"{fake.api_url}/users/@me") as response:
            assert response.status == 401
    assert [c.path for c in fake.requests] == ["/users/@me", "/nope", "/users/@me"]


async def test_login_connect_ready_and_guild(fake: FakeDiscord) -> None:
    async with running(fake, Bot()) as client:
        assert client.user is not None and client.user.id == 1000 and client.user.bot
        assert client.application_id == 1000
        identify = await fake.wait_for_identify()
        assert identify["token"] == fake.token
        assert identify["intents"] & discord.Intents.message_content.flag
        assert fake.identifies == 1 and fake.resumes == 0
        assert fake.gateway_queries[0]["compress"] == "zlib-stream"  # honoured with zlib frames
        guild = client.get_guild(GUILD)
        assert guild is not None and not guild.unavailable
        channel = guild.get_channel(CHANNEL)
        assert isinstance(channel, discord.TextChannel) and channel.name == "general"
        assert guild.me is not None
        assert channel.permissions_for(guild.me).send_messages
        assert fake.requests_to("GET", r"/users/@me")
        assert fake.requests_to("GET", r"/oauth2/applications/@me")


async def test_message_in_send_and_edit(fake: FakeDiscord) -> None:
    async with running(fake, Bot()) as client:
        await fake.dispatch(
            "MESSAGE_CREATE", message_create(500, CHANNEL, ALICE, "hello nova", guild_id=GUILD)
        )
        incoming = await next_message(client)
        assert (incoming.content, incoming.author.id, incoming.author.name) == (
            "hello nova",
            USER,
            "alice",
        )
        assert isinstance(incoming.channel, discord.TextChannel)
        assert incoming.guild is not None and incoming.guild.id == GUILD

        sent = await incoming.channel.send("hi", allowed_mentions=discord.AllowedMentions.none())
        [post] = await fake.wait_for_request("POST", CHANNEL_MESSAGES)
        assert post.path == f"/channels/{CHANNEL}/messages"
        assert post.json["content"] == "hi"
        assert post.json["allowed_mentions"]["parse"] == []
        assert post.headers["authorization"] == f"Bot {fake.token}"
        assert sent.content == "hi" and sent.author.id == 1000
        assert [m["content"] for m in fake.messages[CHANNEL]] == ["hello nova", "hi"]

        edited = await sent.edit(content="hi again")
        [patch] = fake.requests_to("PATCH", rf"/channels/{CHANNEL}/messages/{sent.id}")
        assert patch.json["content"] == "hi again"
        assert edited.content == "hi again" and edited.edited_at is not None
        assert fake.messages[CHANNEL][-1]["content"] == "hi again"

        big = b"x" * (2 << 20)  # past aiohttp's 1 MiB client_max_size for request.post()
        with_file = await incoming.channel.send("file", file=discord.File(io.BytesIO(big), "a.txt"))
        [upload] = fake.requests_to("POST", CHANNEL_MESSAGES)[1:]
        assert upload.json["content"] == "file" and upload.files == (("a.txt", big),)
        assert [(a.filename, a.size) for a in with_file.attachments] == [("a.txt", len(big))]
        await with_file.delete()

        reply = await incoming.reply("a reply")
        assert reply.reference is not None and reply.reference.message_id == 500
        await sent.delete()
        assert [m["content"] for m in fake.messages[CHANNEL]] == ["hello nova", "a reply"]
        history = [m.content async for m in incoming.channel.history(limit=10)]
        assert history == ["a reply", "hello nova"]  # newest first, like Discord
        async with incoming.channel.typing():
            pass
        assert fake.requests_to("POST", rf"/channels/{CHANNEL}/typing")


async def test_errors_and_rate_limits(fake: FakeDiscord) -> None:
    async with running(fake, Bot()) as client:
        channel = client.get_channel(CHANNEL)
        assert isinstance(channel, discord.TextChannel)

        fake.fail_next("POST", CHANNEL_MESSAGES, status=503)
        with pytest.raises(discord.HTTPException) as failed:
            await channel.send("lost")
        assert failed.value.status == 503
        assert fake.messages[CHANNEL] == []

        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert (too_long.value.status, too_long.value.code) == (400, 50035)

        fake.fail_next("POST", CHANNEL_MESSAGES, status=500)
        await channel.send("after a 500")  # discord.py sleeps 1 s and retries a 500 itself
        fake.messages[CHANNEL].clear()

        fake.fail_next("POST", CHANNEL_MESSAGES, status=429, retry_after=0.05)
        started = time.monotonic()
        await channel.send("after a 429")  # discord.py sleeps retry_after and retries
        assert time.monotonic() - started >= 0.05
        assert len(fake.requests_to("POST", CHANNEL_MESSAGES)) == 6
        assert [m["content"] for m in fake.messages[CHANNEL]] == ["after a 429"]


async def test_slash_command_defer_and_followup(fake: FakeDiscord) -> None:
    client = Bot()
    ran: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    nova = app_commands.Group(name="nova", description="Talk to Nova")

    @nova.command(name="ask", description="Ask Nova")
    async def ask(interaction: discord.Interaction, prompt: str) -> None:
        await interaction.response.defer()
        message = await interaction.followup.send(f"answer to {prompt}", wait=True)
        ran.set_result(message.content)

    client.tree.add_command(nova)
    async with running(fake, client):
        synced = await client.tree.sync()
        assert [c.name for c in synced] == ["nova"] and synced[0].id
        [put] = fake.requests_to("PUT", r"/applications/1000/commands")
        assert put.json[0]["options"][0]["name"] == "ask"

        option = {"type": 3, "name": "prompt", "value": "why?"}
        await fake.dispatch(
            "INTERACTION_CREATE",
            interaction_create(
                900,
                application_id=1000,
                channel_id=CHANNEL,
                guild_id=GUILD,
                user=ALICE,
                command="nova",
                options=[{"type": 1, "name": "ask", "options": [option]}],
                token="tok-1",
            ),
        )
        async with asyncio.timeout(5):
            assert await ran == "answer to why?"
        [callback] = fake.interaction_responses()
        assert callback.path == "/interactions/900/tok-1/callback"
        assert callback.json == {"type": 5}
        [followup] = fake.followups()
        assert followup.path == "/webhooks/1000/tok-1"
        assert followup.json["content"] == "answer to why?"
        # the first follow-up after a deferral replaces the "thinking…" message
        [shown] = fake.messages[CHANNEL]
        assert (shown["content"], shown["flags"], shown["webhook_id"]) == (
            "answer to why?",
            0,
            "1000",
        )


async def test_autocomplete(fake: FakeDiscord) -> None:
    client = Bot()

    @client.tree.command(name="pick", description="Pick a fruit")
    async def pick(interaction: discord.Interaction, fruit: str) -> None:
        raise AssertionError("autocomplete must not run the command")

    @pick.autocomplete("fruit")
    async def fruits(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return [Choice(name=f"{current}ple", value="apple")]

    async with running(fake, client):
        option = {"type": 3, "name": "fruit", "value": "ap", "focused": True}
        await fake.dispatch(
            "INTERACTION_CREATE",
            interaction_create(
                902,
                application_id=1000,
                channel_id=CHANNEL,
                guild_id=GUILD,
                user=ALICE,
                command="pick",
                options=[option],
                type=4,
            ),
        )
        [callback] = await fake.wait_for_request("POST", r"/interactions/902/itoken/callback")
        assert callback.json == {
            "type": 8,
            "data": {"choices": [{"name": "apple", "value": "apple"}]},
        }


async def test_dm_interaction_and_dm_send(fake: FakeDiscord) -> None:
    client = Bot()
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @client.tree.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.DMChannel)
        await interaction.response.send_message("pong")
        await interaction.edit_original_response(content="pong!")
        done.set_result(None)

    async with running(fake, client):
        await fake.dispatch(
            "INTERACTION_CREATE",
            interaction_create(
                901,
                application_id=1000,
                channel_id=77,
                guild_id=None,
                user=ALICE,
                command="ping",
                options=[],
            ),
        )
        async with asyncio.timeout(5):
            await done
        assert fake.interaction_responses()[0].json["type"] == 4
        assert [m["content"] for m in fake.messages[77]] == ["pong!"]

        user = await client.fetch_user(USER)
        await user.send("psst")
        [dm] = fake.requests_to("POST", r"/users/@me/channels")
        assert dm.json == {"recipient_id": USER}
        [channel_id] = [c for c, msgs in fake.messages.items() if msgs[-1]["content"] == "psst"]
        assert fake.channels[channel_id]["type"] == 1


async def test_reconnect_resumes_session(fake: FakeDiscord) -> None:
    async with running(fake, Bot()) as client:
        resumed = asyncio.Event()

        @client.event
        async def on_resumed() -> None:
            resumed.set()

        first = await fake.wait_for_identify()
        await fake.request_reconnect()
        resume = await fake.wait_for_identify(count=2)
        assert resume["session_id"] == fake.session_id and resume["seq"] >= 2
        assert resume["token"] == first["token"] == fake.token and "intents" not in resume
        await fake.wait_until_ready_sent()
        assert (fake.identifies, fake.resumes) == (1, 1)
        assert len(fake.gateway_queries) == 2

        await fake.dispatch(
            "MESSAGE_CREATE", message_create(501, CHANNEL, ALICE, "still here", guild_id=GUILD)
        )
        assert (await next_message(client)).content == "still here"
        async with asyncio.timeout(5):
            await resumed.wait()

        await fake.invalidate_session()  # not resumable: the client IDENTIFYs afresh
        fresh = await fake.wait_for_identify(count=3)
        assert "intents" in fresh and (fake.identifies, fake.resumes) == (2, 1)
        await fake.dispatch("MESSAGE_CREATE", message_create(502, CHANNEL, ALICE, "again"))
        assert (await next_message(client)).content == "again"


async def test_heartbeats_then_close_and_stop_are_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    server = FakeDiscord(heartbeat_interval_ms=20)
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
    url = yarl.URL(server.gateway_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", url)
    client = Bot()
    try:
        await client.login(server.token)
        task = asyncio.create_task(client.connect())
        await server.wait_until_ready_sent()
        await server.wait_for_heartbeats(5, timeout=3)  # every 20 ms, each ACKed
        assert len(server.gateway_queries) == 1  # no ACK missed, so no reconnect
        started = time.monotonic()
        await client.close()
        async with asyncio.timeout(3):
            await task
        await server.stop()
        assert time.monotonic() - started < 3
    finally:
        await client.close()
        await server.stop()


async def test_an_enforced_nonce_is_answered_with_the_first_message(fake: FakeDiscord) -> None:
    async with running(fake, Bot()) as client:
        channel = client.get_channel(CHANNEL)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("once", nonce="nova-1-0")
        again = await channel.send("once", nonce="nova-1-0")
        other = await channel.send("twice")
        assert again.id == first.id and other.id != first.id
        assert [m["content"] for m in fake.bot_messages(CHANNEL)] == ["once", "twice"]
        [create, *_] = fake.requests_to("POST", rf"/channels/{CHANNEL}/messages")
        assert (create.json or {})["enforce_nonce"] is True
