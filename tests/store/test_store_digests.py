"""The digest queries on a real SQLite file: exactly the period's records, of one channel
(every thread in it) or one project, never another's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from novabot.store import Store
from tests.store.digest_seed import (
    DECISION_LINK,
    INSIDE,
    SINCE,
    THREAD,
    UNTIL,
    Seeded,
    seed,
)


@pytest.fixture
async def seeded(store: Store, db_path: Path) -> Seeded:
    return await seed(store, db_path)


async def test_knowledge_of_the_period_and_project_only(store: Store, seeded: Seeded) -> None:
    items = await store.knowledge_changes("airep", SINCE, UNTIL)
    assert [i.id for i in items] == [
        seeded.problem_resolved,  # added before the period, resolved in it
        seeded.decision,
        seeded.problem_opened,
    ]
    decision = next(i for i in items if i.id == seeded.decision)
    assert (decision.title, decision.source_link) == ("Ship on Fridays", DECISION_LINK)
    others = await store.knowledge_changes("other", SINCE, UNTIL)
    assert [i.id for i in others] == [seeded.foreign_decision]
    assert await store.knowledge_changes("airep", UNTIL, UNTIL + timedelta(days=1)) == []


async def test_the_period_is_half_open(store: Store, seeded: Seeded) -> None:
    # A record stamped exactly at `until` belongs to the next period, not to this one.
    at_the_edge = await store.knowledge_changes("airep", INSIDE, INSIDE + timedelta(seconds=1))
    assert {i.id for i in at_the_edge} == {
        seeded.decision,
        seeded.problem_opened,
        seeded.problem_resolved,
    }
    assert await store.knowledge_changes("airep", SINCE, INSIDE) == []


async def test_finished_runs_of_the_channel_and_its_threads(store: Store, seeded: Seeded) -> None:
    runs = await store.finished_runs("slack", "C1", SINCE, UNTIL)
    assert [run.id for run in runs] == [seeded.pipeline]
    assert runs[0].key == THREAD and runs[0].status == "done"
    assert [s.step_id for s in runs[0].steps] == ["s1"]
    other = await store.finished_runs("slack", "C2", SINCE, UNTIL)
    assert [run.id for run in other] == [seeded.foreign_pipeline]
    earlier = await store.finished_runs("slack", "C1", SINCE - timedelta(days=1), SINCE)
    assert [run.id for run in earlier] == [seeded.old_pipeline]


async def test_questions_that_failed_or_went_unanswered(store: Store, seeded: Seeded) -> None:
    questions = await store.unanswered_questions(
        "slack", "C1", SINCE, UNTIL, open_before=UNTIL - timedelta(minutes=15)
    )
    assert [(q.id, q.state) for q in questions] == [
        (seeded.failed_question, "failed"),
        (seeded.open_question, "received"),
    ]
    assert (questions[0].key, questions[0].user_name) == (THREAD, "ada")
    assert questions[0].text == "how many orders shipped?"
    # A question still open, but asked a minute ago, is being answered: not yet counted.
    later = await store.unanswered_questions("slack", "C1", SINCE, UNTIL, open_before=UNTIL)
    assert "asked just now" in [q.text for q in later]
    others = await store.unanswered_questions("slack", "C2", SINCE, UNTIL, open_before=UNTIL)
    assert [q.text for q in others] == ["failed elsewhere"]


async def test_token_use_per_agent_in_the_channel(store: Store, seeded: Seeded) -> None:
    usage = await store.channel_usage("slack", "C1", SINCE, UNTIL)
    assert [(u.agent, u.calls, u.prompt_tokens, u.completion_tokens) for u in usage] == [
        ("chat", 2, 110, 25),  # the channel and its thread, nothing outside the period
        ("translator", 1, 7, 3),
    ]
    assert usage[0].total_tokens == 135
    assert await store.channel_usage("slack", "C9", SINCE, UNTIL) == []
