"""`nova` as a user runs it: separate processes sharing one SQLite file."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI, Text


@dataclass
class Result:
    code: int
    out: str
    err: str


async def nova(tmp_path: Path, *args: str, env: dict[str, str], stdin: str = "") -> Result:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "novabot",
        *args,
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    return Result(process.returncode or 0, out.decode(), err.decode())


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.code == 2, result.err
    assert result.out == ""
    assert result.err.startswith("nova: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err


async def test_ask_routes_prints_and_why_explains(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("Bonjour !"))
    env = cli_env(tmp_path, fake_openai)
    asked = await nova(tmp_path, "ask", "translate 'good morning' into French", env=env)
    assert (asked.code, asked.out, asked.err) == (0, "Bonjour !\n", "")
    why = await nova(tmp_path, "why", env=env)
    assert why.code == 0 and why.out.startswith("translator answered")
    assert "best semantic match with translator's scope" in why.out


async def test_two_asks_share_the_conversation(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Text("Nice to meet you, Ada."), Text("Your name is Ada."))
    env = cli_env(tmp_path, fake_openai)
    await nova(tmp_path, "ask", "hello, my name is Ada", env=env)
    second = await nova(tmp_path, "ask", "what is my name?", env=env)
    assert second.out == "Your name is Ada.\n"
    sent = [(m["role"], m["content"]) for m in fake_openai.requests[1].body["messages"][1:]]
    assert sent == [
        ("user", "hello, my name is Ada"),
        ("assistant", "Nice to meet you, Ada."),
        ("user", "what is my name?"),
    ]
    elsewhere = await nova(tmp_path, "ask", "--thread", "other", "what is my name?", env=env)
    assert elsewhere.code == 0 and len(fake_openai.requests[2].body["messages"]) == 2


async def test_agent_option_and_unknown_agent(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    env = cli_env(tmp_path, fake_openai)
    named = await nova(tmp_path, "ask", "--agent", "proofreader", "hello", env=env)
    assert named.code == 0 and fake_openai.requests[0].body["messages"][0]["content"].startswith(
        "You are a meticulous proofreader."
    )
    unknown = await nova(tmp_path, "ask", "--agent", "poet", "hello", env=env)
    assert unknown.code == 2 and "no agent named 'poet'" in unknown.err


async def test_unreachable_endpoint_is_one_line_and_non_zero(tmp_path: Path) -> None:
    env = cli_env(tmp_path, NOVA_LLM_BASE_URL="http://127.0.0.1:9/v1")
    result = await nova(tmp_path, "ask", "hello", env=env)
    assert result.code == 1 and result.out == ""
    assert result.err.count("\n") == 1 and "http://127.0.0.1:9/v1" in result.err
    assert "Traceback" not in result.err


async def test_no_endpoint_configured_says_how_and_exits_2(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    for command in (["chat"], ["ask", "hello"]):
        result = await nova(tmp_path, *command, env=env)
        assert result.code == 2 and result.err.count("\n") == 1
        assert "OPENAI_API_KEY" in result.err and "NOVA_LLM_BASE_URL" in result.err


async def test_invalid_setting_exits_2_without_traceback(tmp_path: Path) -> None:
    env = cli_env(tmp_path, NOVA_LLM_TIMEOUT_S="soon")
    result = await nova(tmp_path, "agents", env=env)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.startswith("nova: invalid configuration: NOVA_LLM_TIMEOUT_S:")


async def test_bad_card_stops_start_up_naming_file_and_field(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "poet.md").write_text("---\nname: poet\ndescription: Poems.\n---\nbody\n")
    env = cli_env(tmp_path, NOVA_PROMPTS_DIR=str(cards))
    result = await nova(tmp_path, "agents", env=env)
    assert result.code == 2
    assert result.err == f"nova: {cards / 'poet.md'}: field 'does': is required\n"


async def test_agents_lists_every_agent_with_scope(tmp_path: Path) -> None:
    result = await nova(tmp_path, "agents", env=cli_env(tmp_path))
    assert result.code == 0
    for name in ("chat", "translator", "summarizer", "proofreader"):
        assert f"{name}: " in result.out
    assert result.out.count("does not:") >= 4
