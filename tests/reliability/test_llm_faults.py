"""LLM faults, seen as a user sees them: `nova ask` in a terminal, `nova run` in Slack.

Each fault used to end with nothing at all (the placeholder deleted, `nova ask` exiting
0 with no output); now each says what happened in one line, the terminal with the
endpoint's detail and a shared channel without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.adapters.slack.conftest import SECRET
from tests.adapters.slack.test_nova_run import post
from tests.adapters.slack.test_slack_events import MENTION
from tests.cli.test_main import Result
from tests.conftest import cli_env
from tests.fakes.openai_server import Call, Cut, FakeOpenAI, RawBody, Reply, Text, ToolCalls
from tests.fakes.slack_server import FakeSlack, event_body, signed_headers
from tests.helpers import eventually, free_port
from tests.reliability.process import NovaProcess, stopped_at_exit
from tests.reliability.test_platform_faults import run_nova

ASK = ("ask", "translate 'good morning' into French")
LOOP = ToolCalls((Call("lookup", {"q": "again"}),))
COMPLETION = json.dumps(
    {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {}}]}
)


def assert_failed_in_one_line(result: Result, *fragments: str) -> None:
    assert result.code == 1, result.err
    assert result.err.startswith("nova: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err


@pytest.mark.parametrize(
    ("replies", "fragments"),
    [
        ([Text("")], ["sent an empty answer"]),
        ([RawBody(COMPLETION)], ["with application/json", "not an event stream"]),
        ([RawBody("<h1>It works!</h1>", "text/html")], ["with text/html"]),
        ([LOOP] * 6, ["kept calling tools after 6 rounds"]),
    ],
    ids=["empty", "json-body", "html-body", "tool-loop"],
)
async def test_nova_ask_fails_in_one_line(
    tmp_path: Path, fake_openai: FakeOpenAI, replies: list[Reply], fragments: list[str]
) -> None:
    fake_openai.script(*replies)
    result = await run_nova(tmp_path, *ASK, env=cli_env(tmp_path, fake_openai))
    assert result.out == ""
    assert_failed_in_one_line(result, fake_openai.base_url, *fragments)
    fake_openai.assert_all_consumed()


async def test_nova_ask_keeps_a_cut_answers_start_and_says_it_was_cut(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Cut(Text("Bonjour et bienvenue à tous"), after=3))
    env = cli_env(tmp_path, fake_openai, NOVA_LLM_MAX_RETRIES="2")
    result = await run_nova(tmp_path, *ASK, env=env)
    assert result.out == "Bonjour et \n"
    assert_failed_in_one_line(result, "the answer was cut off", fake_openai.base_url)
    assert len(fake_openai.requests) == 1  # what was shown cannot be taken back: not redone


async def test_nova_ask_asks_again_when_a_stream_breaks_before_any_text(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Cut(Text("Bonjour"), after=1), Text("Bonjour !"))
    env = cli_env(tmp_path, fake_openai, NOVA_LLM_MAX_RETRIES="1")
    result = await run_nova(tmp_path, *ASK, env=env)
    assert (result.code, result.out, result.err) == (0, "Bonjour !\n", "")


async def test_nova_ask_names_a_base_url_without_v1(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    root = fake_openai.base_url.removesuffix("/v1")
    env = cli_env(tmp_path, fake_openai) | {"NOVA_LLM_BASE_URL": root}
    result = await run_nova(tmp_path, *ASK, env=env)
    assert result.out == ""
    assert_failed_in_one_line(result, f"does NOT end in /v1; try {root}/v1")
    assert "does not serve the model" not in result.err


async def test_slack_hears_each_fault_in_one_line_without_the_endpoint(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_slack: FakeSlack
) -> None:
    """`nova run` as a process: four faults, four threads, each with a short line naming
    the problem and not the endpoint; the cut answer keeps what was shown."""
    faults: dict[str, list[Reply]] = {
        "100.000001": [Text("")],
        "100.000002": [RawBody("<h1>upstream secret page</h1>", "text/html")],
        "100.000003": [LOOP] * 6,
        "100.000004": [Cut(Text("Bonjour et bienvenue à tous"), after=3)],
    }
    port = free_port()
    env = cli_env(
        tmp_path,
        fake_openai,
        NOVA_SLACK_BOT_TOKEN=fake_slack.token,
        NOVA_SLACK_SIGNING_SECRET=SECRET,
        NOVA_SLACK_API_URL=fake_slack.api_url,
        NOVA_SLACK_UPDATE_INTERVAL_S="0.1",
        NOVA_HTTP_PORT=str(port),
    )
    nova = NovaProcess(tmp_path, env)
    async with stopped_at_exit(nova):
        await nova.start()
        url = f"http://127.0.0.1:{port}/slack/events"
        for number, (ts, replies) in enumerate(faults.items()):
            fake_openai.script(*replies)
            event = MENTION | {"ts": ts, "event_ts": ts}
            raw = json.dumps(event_body(event, event_id=f"Ev{number}"))
            assert await post(url, raw, signed_headers(raw, SECRET)) == 200
            await eventually(lambda ts=ts: "⚠️" in str(thread(fake_slack, ts)), within=15)
        assert await nova.stop() == 0, nova.stderr()
    said = {ts: thread(fake_slack, ts) for ts in faults}
    assert said["100.000001"] == ["⚠️ The language model sent an empty answer; try again, or "
                                  "rephrase the request."]  # fmt: skip
    assert "not a stream" in said["100.000002"][0] and "NOVA_LLM_BASE_URL" in said["100.000002"][0]
    assert "kept calling tools" in said["100.000003"][0]
    cut_answer, cut_note = said["100.000004"]
    assert cut_answer == "Bonjour et\n\n_(answer cut short)_"
    assert cut_note.startswith("⚠️ The answer was cut off")
    for lines in said.values():
        assert lines[-1].startswith("⚠️") and "\n" not in lines[-1]
        for line in lines:
            assert "127.0.0.1" not in line and "secret page" not in line
    fake_openai.assert_all_consumed()


def thread(fake: FakeSlack, ts: str) -> list[str]:
    """The final texts of Nova's messages in one thread (placeholders still thinking left
    out: they are edited, not new)."""
    return [
        str(m["text"])
        for m in fake.messages["C1"]
        if m.get("thread_ts") == ts and "thinking" not in str(m["text"])
    ]
