"""`nova usage`: the terminal's conversation, a thread, or all; since a time; as JSON."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from novabot.adapters.terminal import cli_key
from novabot.core.message import ConversationKey
from novabot.store import Store
from tests.cli.test_main import assert_one_line_error, nova
from tests.conftest import cli_env

MAIN = "chat (m): 2 calls, 30 prompt + 6 completion tokens\n"


@pytest.fixture
async def env(tmp_path: Path) -> dict[str, str]:
    """A database with calls in the main terminal conversation, a thread and Slack;
    the thread's call was made in 2024."""
    async with await Store.open(tmp_path / "nova.db") as store:
        for key, agent, prompt in (
            (cli_key(None), "chat", 10),
            (cli_key(None), "chat", 20),
            (cli_key("trip"), "translator", 7),
            (ConversationKey("slack", "C1"), "chat", 100),
        ):
            completion = prompt // 5
            await store.record_usage(
                key, agent=agent, model="m", prompt_tokens=prompt, completion_tokens=completion
            )
    with sqlite3.connect(tmp_path / "nova.db") as conn:
        conn.execute(
            "UPDATE token_usage SET created_at = '2024-03-01T09:00:00.000000+00:00'"
            " WHERE agent = 'translator'"
        )
    return cli_env(tmp_path)


async def test_the_main_conversation_a_thread_or_all(tmp_path: Path, env: dict[str, str]) -> None:
    main = await nova(tmp_path, "usage", env=env)
    assert (main.code, main.out, main.err) == (0, MAIN, "")
    trip = await nova(tmp_path, "usage", "--thread", "trip", env=env)
    assert trip.out == "translator (m): 1 calls, 7 prompt + 1 completion tokens\n"
    everything = await nova(tmp_path, "usage", "--all", env=env)
    assert everything.out == (
        "chat (m): 3 calls, 130 prompt + 26 completion tokens\n"
        "translator (m): 1 calls, 7 prompt + 1 completion tokens\n"
    )


async def test_since_leaves_earlier_calls_out(tmp_path: Path, env: dict[str, str]) -> None:
    recent = await nova(tmp_path, "usage", "--all", "--since", "2025-01-01", env=env)
    assert recent.out == "chat (m): 3 calls, 130 prompt + 26 completion tokens\n"
    exact = await nova(
        tmp_path, "usage", "--thread", "trip", "--since", "2024-03-01T09:00Z", env=env
    )
    assert exact.out.startswith("translator (m): 1 calls")
    later = await nova(
        tmp_path, "usage", "--thread", "trip", "--since", "2024-03-01T09:01Z", env=env
    )
    assert (later.code, later.out) == (0, "No tokens used since 2024-03-01T09:01Z.\n")


async def test_json_rows_have_stable_keys(tmp_path: Path, env: dict[str, str]) -> None:
    result = await nova(tmp_path, "usage", "--all", "--json", env=env)
    assert result.code == 0
    assert json.loads(result.out) == [
        {"agent": "chat", "model": "m", "calls": 3, "prompt_tokens": 130, "completion_tokens": 26},
        {"agent": "translator", "model": "m", "calls": 1, "prompt_tokens": 7,
         "completion_tokens": 1},
    ]  # fmt: skip
    empty = await nova(tmp_path, "usage", "--thread", "none", "--json", env=env)
    assert json.loads(empty.out) == []


async def test_a_bad_date_is_one_line_and_exit_2(tmp_path: Path, env: dict[str, str]) -> None:
    result = await nova(tmp_path, "usage", "--since", "last tuesday", env=env)
    assert_one_line_error(result, "--since: 'last tuesday' is not a date or time", "2025-05-01")
