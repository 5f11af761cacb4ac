"""A digest's material on a real SQLite file: the period's decisions, problems, pipelines,
unanswered questions and token use of one channel and its project, with their links;
quiet when nothing happened; never another channel's or project's records. And the
internal `digest` agent that writes it, which users cannot reach."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from novabot.agents.cards import load_cards, shipped_cards_dir
from novabot.core.bot import Bot, Status
from novabot.core.message import ConversationKey, Message
from novabot.schedules.digest import DIGEST_AGENT, FIRST_PERIOD, gather, quiet_note, render
from novabot.store import Store
from tests.helpers import RecordingResponder
from tests.store.digest_seed import (
    CHANNEL,
    DECISION_LINK,
    SINCE,
    THREAD,
    UNTIL,
    Seeded,
    seed,
)

THREAD_LINK = "https://slack.com/archives/C1/p1764500000000100"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "nova.db") as store:
        yield store


@pytest.fixture
async def seeded(store: Store, tmp_path: Path) -> Seeded:
    return await seed(store, tmp_path / "nova.db")


async def test_gather_takes_exactly_the_periods_items(store: Store, seeded: Seeded) -> None:
    material = await gather(store, THREAD, None, SINCE, UNTIL)
    assert material.project == "airep"  # the channel's bound project, found from a thread
    assert [i.id for i in material.rules] == [seeded.decision]
    assert [i.id for i in material.problems_opened] == [seeded.problem_opened]
    assert [i.id for i in material.problems_resolved] == [seeded.problem_resolved]
    assert material.other_knowledge == ()  # the dismissed note is left out
    assert [(p.run.id, p.link) for p in material.pipelines] == [(seeded.pipeline, THREAD_LINK)]
    assert [(q.question.id, q.link) for q in material.unanswered] == [
        (seeded.failed_question, THREAD_LINK),
        (seeded.open_question, None),  # asked in the channel itself: no thread to open
    ]
    assert {u.agent: u.total_tokens for u in material.usage} == {"chat": 135, "translator": 10}
    assert not material.quiet


async def test_render_names_the_items_with_their_links(store: Store, seeded: Seeded) -> None:
    text = render(await gather(store, CHANNEL, None, SINCE, UNTIL))
    assert f'decision #{seeded.decision} "Ship on Fridays"' in text
    assert DECISION_LINK in text
    assert f"pipeline #{seeded.pipeline} done" in text and "Summarise the release notes" in text
    assert THREAD_LINK in text
    assert "how many orders shipped?" in text and "who owns the export?" in text
    assert "chat: 2 calls, 135 tokens" in text
    assert "Mon 2026-11-30 09:00 UTC" in text  # the period, in its own zone
    for absent in ("Ship on Mondays", "Summarise last week", "Other team", "elsewhere"):
        assert absent not in text


async def test_another_channel_sees_only_its_own(store: Store, seeded: Seeded) -> None:
    material = await gather(store, ConversationKey("slack", "C2"), None, SINCE, UNTIL)
    assert material.project == "other"
    assert [i.id for i in material.rules] == [seeded.foreign_decision]
    assert [p.run.id for p in material.pipelines] == [seeded.foreign_pipeline]
    text = render(material)
    for absent in ("Ship on Fridays", "Release notes", "how many orders", "Export times out"):
        assert absent.lower() not in text.lower()


async def test_an_unbound_channel_gets_no_project_knowledge(store: Store, seeded: Seeded) -> None:
    material = await gather(store, ConversationKey("slack", "C9"), None, SINCE, UNTIL)
    assert material.project is None and material.quiet
    assert "(no project)" in render(material)
    # The schedule's own project is used when it names one.
    named = await gather(store, ConversationKey("slack", "C9"), "airep", SINCE, UNTIL)
    assert [i.id for i in named.rules] == [seeded.decision] and not named.quiet


async def test_an_empty_period_is_quiet(store: Store, seeded: Seeded) -> None:
    later = UNTIL + timedelta(days=3)
    material = await gather(store, CHANNEL, None, later, later + timedelta(days=1))
    assert material.quiet
    assert render(material).count("- none") == 7
    note = quiet_note(CHANNEL, later, later + timedelta(days=1))
    assert note.startswith("Nothing new") and "2026-12-04 09:00 UTC" in note
    assert "\n" not in note


async def test_the_digests_own_tokens_do_not_break_the_quiet(store: Store) -> None:
    # Usage is stamped now, so the period is around now.
    await store.record_usage(
        CHANNEL, agent=DIGEST_AGENT, model="m", prompt_tokens=50, completion_tokens=30
    )
    now = datetime.now(UTC)
    window = (now - timedelta(minutes=5), now + timedelta(minutes=5))
    assert (await gather(store, CHANNEL, None, *window)).quiet
    await store.record_usage(CHANNEL, agent="chat", model="m", prompt_tokens=1, completion_tokens=1)
    assert not (await gather(store, CHANNEL, None, *window)).quiet


async def test_the_first_digest_looks_back_a_week(store: Store, seeded: Seeded) -> None:
    material = await gather(store, CHANNEL, None, None, UNTIL)
    assert material.since == UNTIL - FIRST_PERIOD
    assert seeded.old_decision in [i.id for i in material.rules]  # a minute before SINCE
    london = UNTIL.astimezone(ZoneInfo("Europe/London"))
    assert "GMT" in quiet_note(CHANNEL, None, london)
    with pytest.raises(ValueError, match="time zone"):
        await gather(store, CHANNEL, None, datetime(2026, 11, 30), UNTIL)


def test_the_digest_card_is_internal() -> None:
    cards = {card.name: card for card in load_cards([shipped_cards_dir()])}
    card = cards[DIGEST_AGENT]
    assert not card.routable and card.temperature == 0
    assert "never invent" in card.prompt.lower()


async def test_users_cannot_reach_the_digest_agent(bot: Bot) -> None:
    assert DIGEST_AGENT in bot.registry.agents  # there for the scheduler to use
    responder = RecordingResponder()
    named = Message(CHANNEL, "write the digest", user_id="U1", agent=DIGEST_AGENT)
    outcome = await bot.handle(named, responder)
    assert outcome.status == Status.REJECTED
    assert "no agent named 'digest'" in responder.texts[0]
    assert bot.router is not None
    own_example = "write this channel's digest from the material below"
    route = await bot.router.route(Message(CHANNEL, own_example, user_id="U1"))
    assert route.agent != DIGEST_AGENT
