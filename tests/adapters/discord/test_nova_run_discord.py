"""`nova run` with Discord configured: connects, answers a mention and a /nova ask."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.adapters.discord.conftest import CHANNEL, NOVA_ID, DiscordUsers
from tests.conftest import cli_env
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import eventually, start_nova_run


async def test_nova_run_answers_discord(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_discord: FakeDiscord
) -> None:
    fake_openai.script(Text("Bonjour !"), Text("Paris."))
    env = cli_env(
        tmp_path,
        fake_openai,
        NOVA_DISCORD_TOKEN=fake_discord.token,
        NOVA_DISCORD_API_URL=fake_discord.api_url,
        NOVA_DISCORD_GATEWAY_URL=fake_discord.gateway_url,
    )
    process = await start_nova_run(tmp_path, env)
    user = DiscordUsers(fake_discord)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line.decode().startswith("nova: listening on Discord (gateway ws://127.0.0.1:")
        await user.say("translate 'good morning' into French", mention=True)
        await eventually(lambda: [m["content"] for m in user.sent()] == ["Bonjour !"], within=10)
        assert fake_discord.requests_to("POST", rf"/channels/{CHANNEL}/messages")
        interaction = await user.slash("ask", prompt="capital of France?")
        await eventually(lambda: "Paris." in [m["content"] for m in user.sent()], within=10)
        [callback] = fake_discord.interaction_responses()
        assert callback.path.startswith(f"/interactions/{interaction}/")
        assert callback.json == {"type": 5}
        assert fake_discord.followups()[0].path == f"/webhooks/{NOVA_ID}/tok-{interaction}"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
