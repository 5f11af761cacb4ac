"""Endpoint health against the fake OpenAI server and a closed port; what adapters show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from novabot.config import Settings
from novabot.ops.health import check_endpoint, describe_adapters, describe_endpoint
from novabot.store.leases import WorkerRow
from novabot.store.ops import PostQueue
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import free_port

MODEL = "fake-model"


async def test_an_answering_endpoint_is_up_with_its_models(fake_openai: FakeOpenAI) -> None:
    health = await check_endpoint(fake_openai.base_url, "k", model=MODEL)
    assert health.up and health.models == (MODEL,)
    line = describe_endpoint(health, model=MODEL, url=None)
    assert line.startswith(f"LLM endpoint (model {MODEL}): up — answered in ")
    assert "127.0.0.1" not in line  # no address unless an admin asks


async def test_an_endpoint_without_the_configured_model_is_up_but_says_so(
    fake_openai: FakeOpenAI,
) -> None:
    health = await check_endpoint(fake_openai.base_url, "k", model="gpt-9")
    assert health.up and "does not list the configured model gpt-9" in health.detail


async def test_a_closed_port_is_down_in_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    health = await check_endpoint(url, "k", model=MODEL, timeout_s=2)
    assert not health.up and health.detail.startswith("cannot connect")
    line = describe_endpoint(health, model=MODEL, url=url)
    assert "\n" not in line and line.startswith(f"LLM endpoint {url} (model {MODEL}): DOWN")


async def test_a_refused_key_is_down_and_names_the_setting() -> None:
    async with FakeOpenAI(models=(MODEL,), api_key="right") as fake:
        health = await check_endpoint(fake.base_url, "wrong", model=MODEL)
    assert not health.up and "NOVA_LLM_API_KEY" in health.detail


def test_adapters_report_configuration_heartbeats_and_the_outbox() -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-1"), discord_token=SecretStr("d"))
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    workers = [
        WorkerRow("h:1:a", "box", 1, now - timedelta(seconds=5)),
        WorkerRow("h:2:b", "box", 2, now - timedelta(minutes=10)),
    ]
    queues = [PostQueue("slack", 2, 1, now - timedelta(minutes=3))]
    text = describe_adapters(settings, workers, queues, now=now)
    assert "slack (Events API on 127.0.0.1:8080), discord (gateway)" in text
    assert "pid 1): last heartbeat 5 s ago, alive" in text
    assert "pid 2): last heartbeat 10 min ago, silent" in text
    assert "Outbox slack: 2 posts waiting, the oldest waiting 3 min; 1 failed for good" in text
    assert "not visible here" in text


def test_no_adapter_and_no_process_are_said_plainly() -> None:
    text = describe_adapters(Settings(), [], [])
    assert "Adapters configured: none" in text and "terminal only" in text
    assert "none has a heartbeat" in text and "Outbox: nothing waiting" in text


def test_the_api_and_the_dashboard_are_reported_once_configured() -> None:
    text = describe_adapters(Settings(), [], [], api_keys=2, dashboard=True)
    assert "api (on 127.0.0.1:8080/v1, 2 keys), dashboard (on 127.0.0.1:8080/dashboard)" in text
    assert "none" not in text.splitlines()[0]
