"""What the dashboard tests look at: conversations routed with knowledge, token use, a
3-wave pipeline run with one retry, schedules (one a proposal), a project's knowledge
(one item a proposal). Written through the store's own methods; the pipeline's step
times are then set through a second connection, so its timeline has real lengths."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from novabot.core.message import ConversationKey
from novabot.store import Store
from novabot.store.usage import stored_time

SLACK = ConversationKey("slack", "C-SALES", "1764500000.000100")
DISCORD = ConversationKey("discord", "9001")
PLAN = (  # step, agent, needs: three waves, the last step needs both of the second wave
    ("gather", "researcher", ()),
    ("draft", "writer", ("gather",)),
    ("check", "reviewer", ("gather",)),
    ("polish", "writer", ("draft", "check")),
)
STEP_TIMES = {  # seconds after the run started: (start, end)
    "gather": (0.0, 2.0),
    "draft": (2.1, 5.0),
    "check": (2.1, 3.5),
    "polish": (5.1, 6.0),
}


@dataclass(frozen=True)
class Seeded:
    slack_conversation: int
    run: int
    rule_item: int
    proposed_item: int
    schedule: int
    proposed_schedule: int


async def seed(store: Store) -> Seeded:
    project = "acme"
    await store.create_project(project)
    rule = await store.add_knowledge(
        project, "rule", "Invoices are due in 30 days", "Net 30 unless the contract says so."
    )
    proposed = await store.add_knowledge(
        project, "decision", "Ship the <b>EU</b> site first", "Agreed in the launch thread.",
        status="proposed", source="slack:C-SALES",
    )  # fmt: skip
    slack_conversation = await _conversation(store, rule.id)
    await _discord_conversation(store)
    run = await _pipeline(store)
    schedule = await store.add_schedule(
        trigger_kind="cron", expression="0 9 * * 1-5", tz="UTC", platform="slack",
        channel_id="C-SALES", thread_id=None, kind="digest", owner="slack:U1", project=project,
    )  # fmt: skip
    proposed_schedule = await store.add_schedule(
        trigger_kind="every", expression="1d", tz="UTC", platform="discord",
        channel_id="9001", thread_id=None, kind="reminder", owner="discord:7",
        prompt="stand-up notes", proposed=True,
    )  # fmt: skip
    return Seeded(
        slack_conversation, run, rule.id, proposed.id, schedule, proposed_schedule
    )  # fmt: skip


async def _conversation(store: Store, item: int) -> int:
    message = await store.add_message(
        SLACK, "user", "When are invoices due?", user_id="U1", user_name="dana"
    )
    await store.record_decision(
        SLACK, agent="erp-finance", rule="semantic", reason="best scope match", score=0.81,
        message_id=message, candidates=[("erp-finance", 0.81), ("chat", 0.42)],
        knowledge_ids=[item],
    )  # fmt: skip
    await store.add_message(SLACK, "assistant", "In 30 days (Net 30).", agent="erp-finance")
    await store.record_usage(
        SLACK, agent="erp-finance", model="gpt-4o-mini", prompt_tokens=1200, completion_tokens=80
    )
    row = await store.conversation_list(platform="slack", limit=1)
    return row[0].id


async def _discord_conversation(store: Store) -> None:
    message = await store.add_message(DISCORD, "user", "<script>alert(1)</script> hi")
    await store.record_decision(
        DISCORD, agent="chat", rule="fallback", reason="nothing else fits", score=0.2,
        message_id=message,
    )  # fmt: skip
    await store.add_message(DISCORD, "assistant", "Hello!", agent="chat")
    await store.record_usage(
        DISCORD, agent="chat", model="local-model", prompt_tokens=300, completion_tokens=20
    )


async def _pipeline(store: Store) -> int:
    steps = [(step, agent, f"do {step}", list(needs)) for step, agent, needs in PLAN]
    run = await store.create_run(SLACK, "Write the launch note", "{}", steps, started_by="U1")
    for step, _agent, _needs in PLAN:
        await store.start_step(run, step)
        if step == "check":  # failed once, then done: a retry
            await store.start_step(run, step)
        await store.finish_step(run, step, f"{step} done", prompt_tokens=100, completion_tokens=50)
    await store.save_answer(run, "The launch note.", "done")
    _time_steps(store.path, run, datetime.now(UTC) - timedelta(minutes=5))
    return run


def _time_steps(db_path: Path, run: int, started: datetime) -> None:
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        for step, (start, end) in STEP_TIMES.items():
            conn.execute(
                "UPDATE pipeline_steps SET started_at = ?, finished_at = ?"
                " WHERE run_id = ? AND step_id = ?",
                (
                    stored_time(started + timedelta(seconds=start)),
                    stored_time(started + timedelta(seconds=end)),
                    run,
                    step,
                ),
            )
        conn.execute(
            "UPDATE pipeline_runs SET created_at = ?, finished_at = ? WHERE id = ?",
            (stored_time(started), stored_time(started + timedelta(seconds=6.2)), run),
        )
