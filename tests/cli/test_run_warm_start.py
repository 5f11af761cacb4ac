"""A second `nova run` with unchanged cards trains nothing: the router comes from the cache."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import free_port, start_nova_run

TRAINED = "router model trained on"
FROM_CACHE = "router model and threshold from the cache: nothing to train"


async def start_and_stop(tmp_path: Path, env: dict[str, str]) -> None:
    """`nova run` until it listens, then SIGTERM: one start of the router."""
    process = await start_nova_run(tmp_path, env)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
        assert line.startswith(b"nova: listening"), line
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()


async def test_a_second_start_with_unchanged_cards_trains_nothing(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    env = cli_env(
        tmp_path,
        fake_openai,
        NOVA_HTTP_PORT=str(free_port()),
        NOVA_ROUTER_CACHE_DIR=str(tmp_path / "embeddings"),  # cold: nobody trained here yet
    )
    setting = await nova(tmp_path, "dashboard", "set-password", "--stdin", env=env, stdin="x" * 16)
    assert setting.code == 0, setting.err
    log = tmp_path / "nova.log"

    await start_and_stop(tmp_path, env)
    first = log.read_text(encoding="utf-8")
    assert TRAINED in first and FROM_CACHE not in first

    await start_and_stop(tmp_path, env)
    second = log.read_text(encoding="utf-8")[len(first) :]
    assert FROM_CACHE in second and TRAINED not in second

    # A card that changes is trained again.
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "weather.md").write_text(
        "---\nname: weather\ndescription: Weather forecasts for a place.\n"
        "does: [Gives the forecast for a city]\ndoes_not: [Book travel]\n"
        "examples: [will it rain in Oslo tomorrow?, forecast for Lyon this weekend]\n---\n"
        "You give weather forecasts.\n",
        encoding="utf-8",
    )
    await start_and_stop(tmp_path, {**env, "NOVA_PROMPTS_DIR": str(prompts)})
    third = log.read_text(encoding="utf-8")[len(first) + len(second) :]
    assert TRAINED in third and FROM_CACHE not in third
