"""Metrics: what Nova did, read from its records at each scrape (so two processes agree
and a restart loses nothing), plus this process's LLM timings and logged errors."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from novabot.metrics import Metrics
from novabot.ops.prices import NO_PRICES
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder
from tests.pipeline.steps import make_plan

KEY = ConversationKey("slack", "C1", "T1")
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(metrics: Metrics) -> Samples:
    text = (await asyncio.to_thread(metrics.exposition)).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def ask(app: App, text: str) -> None:
    await app.bot.handle(Message(KEY, text, user_id="U1"), RecordingResponder())


async def test_a_message_shows_in_every_count_it_touches(
    settings: Settings, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  fake-model: {input: 1000000, output: 2000000}\n")
    async with started_app(settings.replaced(prices_file=prices)) as app:
        before = await scrape(app.metrics)
        await ask(app, "@translator say hello in French")
        after = await scrape(app.metrics)
    assert value(after, "nova_messages_received_total", platform="slack") == 1
    assert value(after, "nova_answers_total", platform="slack") == 1
    assert value(after, "nova_routing_decisions_total", agent="translator", rule="explicit") == 1
    prompt = value(
        after, "nova_llm_tokens_total", agent="translator", model="fake-model", kind="prompt"
    )
    completion = value(
        after, "nova_llm_tokens_total", agent="translator", model="fake-model", kind="completion"
    )
    assert prompt > 0 and completion > 0
    cost = value(after, "nova_llm_cost_usd_total", agent="translator", model="fake-model")
    assert abs(cost - (prompt + 2 * completion)) < 1e-6  # $1 / $2 per token at these prices
    timed = value(after, "nova_llm_request_seconds_count", agent="translator", model="fake-model")
    assert timed == 1 and value(before, "nova_messages_received_total", platform="slack") == 0


async def test_the_counts_come_from_the_records_so_a_new_process_sees_them(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    async with started_app(settings) as first:
        await ask(first, "@translator hello in German")
    async with started_app(settings) as second:  # as after a restart, or beside another run
        samples = await scrape(second.metrics)
    assert value(samples, "nova_messages_received_total", platform="slack") == 1
    assert (
        value(samples, "nova_llm_request_seconds_count", agent="translator", model="fake-model")
        == 0
    )


async def test_errors_logged_anywhere_are_counted_by_logger(app: App) -> None:
    logging.getLogger("cogs.example").error("something broke")
    logging.getLogger("novabot.core.bot").warning("only a warning")
    samples = await scrape(app.metrics)
    assert value(samples, "nova_errors_total", logger="cogs.example") == 1
    assert value(samples, "nova_errors_total", logger="novabot.core.bot") == 0


async def test_pipeline_steps_and_schedule_runs_by_status(app: App) -> None:
    plan = make_plan(("a", "chat", []), ("b", "summarizer", ["a"]))
    specs = [(s.id, s.agent, s.instruction, s.depends_on) for s in plan.steps]
    run_id = await app.store.create_run(KEY, plan.task, plan.model_dump_json(), specs)
    await app.store.start_step(run_id, "a")
    schedule = await app.store.add_schedule(
        trigger_kind="every", expression="60", tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="reminder", owner="U1", prompt="stretch",
    )  # fmt: skip
    slots = [datetime(2026, 1, 1, hour, tzinfo=UTC) for hour in (1, 2, 3)]
    await app.store.finish_slot(schedule, slots[0], "done")
    await app.store.mark_missed(schedule, slots[1:])
    samples = await scrape(app.metrics)
    assert value(samples, "nova_pipeline_steps", status="running") == 1
    assert value(samples, "nova_pipeline_steps", status="pending") == 1
    assert value(samples, "nova_schedule_runs", status="done") == 1
    assert value(samples, "nova_schedule_runs", status="missed") == 2


def test_an_unreadable_database_leaves_only_the_live_metrics(tmp_path: Path) -> None:
    metrics = Metrics(tmp_path / "missing.db", lambda: NO_PRICES)
    text = metrics.exposition().decode()
    assert "nova_llm_request_seconds" in text and "nova_messages_received" not in text
    assert not (tmp_path / "missing.db").exists()
