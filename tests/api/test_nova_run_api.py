"""`nova run` as a process with an API key and no chat platform: it serves the API alone,
answers the official client (plain and streamed), refuses a key revoked meanwhile, and
stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import openai
import pytest

from novabot.api.keys import key_hash, new_key
from novabot.core.message import ConversationKey
from novabot.store import Store
from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.helpers import free_port, start_nova_run


async def test_nova_run_serves_the_api_alone_and_stops_on_sigterm(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    port = free_port()
    env = cli_env(tmp_path, fake_openai, NOVA_HTTP_PORT=str(port))
    key = new_key()
    async with await Store.open(tmp_path / "nova.db") as store:  # as `nova api-key create`
        await store.add_api_key(
            "website", key_hash(key), models=None, rate_limit=60, rate_period_s=60
        )
    fake_openai.script(Text("Bonjour !"))
    process = await start_nova_run(tmp_path, env)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        url = f"http://127.0.0.1:{port}/v1"
        assert line.decode().strip() == f"nova: listening on the API (OpenAI-compatible, at {url})"
        client = openai.AsyncOpenAI(base_url=url, api_key=key, max_retries=0)
        raw = await client.chat.completions.with_raw_response.create(
            model="nova",
            messages=[{"role": "user", "content": "translate 'hello' into French"}],
            extra_headers={"X-Nova-Conversation": "visit-1"},
        )
        assert raw.parse().choices[0].message.content == "Bonjour !"
        assert raw.headers["X-Nova-Agent"] == "translator"
        stream = await client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "and you?"}], stream=True
        )
        assert "".join([c.choices[0].delta.content or "" async for c in stream]) == "echo: and you?"
        async with await Store.open(tmp_path / "nova.db") as store:  # another process
            assert await store.revoke_api_key("website")
        with pytest.raises(openai.AuthenticationError):
            await client.models.list()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "nova: stopping…"
    async with await Store.open(tmp_path / "nova.db") as store:  # recorded, like a chat
        kept = await store.history(ConversationKey("api", "website", "visit-1"))
    assert [(m.role, m.content) for m in kept] == [
        ("user", "translate 'hello' into French"),
        ("assistant", "Bonjour !"),
    ]


async def test_nova_run_without_a_key_still_explains_what_to_configure(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    result = await nova(tmp_path, "run", env=cli_env(tmp_path, fake_openai))
    assert result.code == 2 and "nova api-key create NAME" in result.err
