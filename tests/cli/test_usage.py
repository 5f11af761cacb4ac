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
from tests.conftest import MODEL, cli_env
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls

PLAN = {
    "task": "summarise the report",
    "steps": [{"id": "gist", "agent": "summarizer", "instruction": "summarise the report"}],
}
MAIN = "chat (m): 2 calls, 30 in + 6 out tokens, $0.0420\n"
PRICES = "models:\n  m: {input: 1000, output: 2000}\n"  # USD per 1M tokens


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
    (tmp_path / "prices.yaml").write_text(PRICES)
    return cli_env(tmp_path, NOVA_PRICES_FILE=str(tmp_path / "prices.yaml"))


async def test_the_main_conversation_a_thread_or_all(tmp_path: Path, env: dict[str, str]) -> None:
    main = await nova(tmp_path, "usage", env=env)
    assert (main.code, main.out, main.err) == (0, MAIN, "")
    trip = await nova(tmp_path, "usage", "--thread", "trip", env=env)
    assert trip.out == "translator (m): 1 calls, 7 in + 1 out tokens, $0.0090\n"
    everything = await nova(tmp_path, "usage", "--all", env=env)
    assert everything.out == (
        "chat (m): 3 calls, 130 in + 26 out tokens, $0.1820\n"
        "translator (m): 1 calls, 7 in + 1 out tokens, $0.0090\n"
        "Total: 4 calls, 137 in + 27 out tokens, $0.1910\n"
    )


async def test_since_leaves_earlier_calls_out(tmp_path: Path, env: dict[str, str]) -> None:
    recent = await nova(tmp_path, "usage", "--all", "--since", "2025-01-01", env=env)
    assert recent.out == "chat (m): 3 calls, 130 in + 26 out tokens, $0.1820\n"
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
        {"agent": "chat", "model": "m", "calls": 3, "prompt_tokens": 130, "completion_tokens": 26,
         "cost_usd": pytest.approx(0.182)},
        {"agent": "translator", "model": "m", "calls": 1, "prompt_tokens": 7,
         "completion_tokens": 1, "cost_usd": pytest.approx(0.009)},
    ]  # fmt: skip
    empty = await nova(tmp_path, "usage", "--thread", "none", "--json", env=env)
    assert json.loads(empty.out) == []


async def test_a_bad_date_is_one_line_and_exit_2(tmp_path: Path, env: dict[str, str]) -> None:
    result = await nova(tmp_path, "usage", "--since", "last tuesday", env=env)
    assert_one_line_error(result, "--since: 'last tuesday' is not a date or time", "2025-05-01")


async def test_usage_all_equals_the_tokens_the_endpoint_served(tmp_path: Path) -> None:
    """A chat answer with a hand-off, then a planned pipeline: every call is counted."""
    async with FakeOpenAI(models=(MODEL,)) as fake:
        env = cli_env(tmp_path, fake)
        fake.script(
            ToolCalls((Call("ask_agent", {"agent": "translator", "request": "'hi' in French"}),)),
            Text("Salut", prompt_tokens=31),
            Text("In French: Salut.", prompt_tokens=57),
        )
        asked = await nova(tmp_path, "ask", "--agent", "chat", "hi in French?", env=env)
        assert asked.code == 0, asked.err
        fake.script(Text(json.dumps(PLAN), prompt_tokens=23), Text("a gist"), Text("final"))
        piped = await nova(tmp_path, "pipeline", "run", "summarise the report", env=env)
        assert piped.code == 0, piped.err
        result = await nova(tmp_path, "usage", "--all", "--json", env=env)
    rows = json.loads(result.out)
    served = [usage for _, usage in fake.served_usage]
    assert len(served) == 6 == sum(row["calls"] for row in rows)
    for kind in ("prompt_tokens", "completion_tokens"):
        assert sum(row[kind] for row in rows) == sum(usage[kind] for usage in served)
    agents = {row["agent"] for row in rows}
    assert {"chat", "translator", "planner", "summarizer", "aggregator"} <= agents
