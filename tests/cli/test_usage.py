"""`nova usage`: the terminal's conversation, a thread, or all; since a time; as JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from novabot.adapters.terminal import cli_key
from novabot.core.message import ConversationKey
from novabot.store import Store
from tests.cli.conftest import Nova
from tests.cli.test_main import Result, assert_one_line_error, nova
from tests.conftest import MODEL, cli_env
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.store.digest_seed import date

PLAN = {
    "task": "summarise the report",
    "steps": [{"id": "gist", "agent": "summarizer", "instruction": "summarise the report"}],
}
MAIN = "chat (m): 2 calls, 30 in + 6 out tokens, $0.0420\n"
PRICES = "models:\n  m: {input: 1000, output: 2000}\n"  # USD per 1M tokens


async def record_calls(db: Path) -> None:
    """Calls in the main terminal conversation, a thread and Slack; the thread's call was
    made in 2024."""
    async with await Store.open(db) as store:
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
    date(db, "token_usage", 3, created_at=datetime(2024, 3, 1, 9, tzinfo=UTC))  # the thread's


@pytest.fixture
def usage(tmp_path: Path, nova_here: Nova, monkeypatch: pytest.MonkeyPatch) -> Nova:
    """`nova` in this process (the command's output is what is tested here), on a database
    with those calls, and a price for their model."""
    asyncio.run(record_calls(tmp_path / "nova.db"))
    (tmp_path / "prices.yaml").write_text(PRICES)
    monkeypatch.setenv("NOVA_PRICES_FILE", str(tmp_path / "prices.yaml"))
    return nova_here


def test_the_main_conversation_a_thread_or_all(usage: Nova) -> None:
    assert usage("usage") == (0, MAIN, "")
    trip = usage("usage", "--thread", "trip")[1]
    assert trip == "translator (m): 1 calls, 7 in + 1 out tokens, $0.0090\n"
    assert usage("usage", "--all")[1] == (
        "chat (m): 3 calls, 130 in + 26 out tokens, $0.1820\n"
        "translator (m): 1 calls, 7 in + 1 out tokens, $0.0090\n"
        "Total: 4 calls, 137 in + 27 out tokens, $0.1910\n"
    )


def test_since_leaves_earlier_calls_out(usage: Nova) -> None:
    recent = usage("usage", "--all", "--since", "2025-01-01")[1]
    assert recent == "chat (m): 3 calls, 130 in + 26 out tokens, $0.1820\n"
    exact = usage("usage", "--thread", "trip", "--since", "2024-03-01T09:00Z")[1]
    assert exact.startswith("translator (m): 1 calls")
    later = usage("usage", "--thread", "trip", "--since", "2024-03-01T09:01Z")
    assert later[:2] == (0, "No tokens used since 2024-03-01T09:01Z.\n")


def test_json_rows_have_stable_keys(usage: Nova) -> None:
    code, out, _ = usage("usage", "--all", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"agent": "chat", "model": "m", "calls": 3, "prompt_tokens": 130, "completion_tokens": 26,
         "cost_usd": pytest.approx(0.182)},
        {"agent": "translator", "model": "m", "calls": 1, "prompt_tokens": 7,
         "completion_tokens": 1, "cost_usd": pytest.approx(0.009)},
    ]  # fmt: skip
    assert json.loads(usage("usage", "--thread", "none", "--json")[1]) == []


def test_a_bad_date_is_one_line_and_exit_2(usage: Nova) -> None:
    assert_one_line_error(
        Result(*usage("usage", "--since", "last tuesday")),
        "--since: 'last tuesday' is not a date or time",
        "2025-05-01",
    )


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
