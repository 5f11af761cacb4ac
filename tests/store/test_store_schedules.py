"""Schedule slots on a real SQLite file: claimed once across connections, taken over from
a dead holder, finished, and a removed schedule is no longer live."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from novabot.store import Store
from novabot.store.schedule_runs import slot_text

SLOT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def new_schedule(store: Store) -> int:
    return await store.add_schedule(
        trigger_kind="every", expression="10s", tz="UTC", platform="slack", channel_id="C1",
        thread_id=None, kind="agent", owner="slack:U1", agent="chat", prompt="say ok",
    )  # fmt: skip


async def test_a_slot_is_claimed_once_across_two_connections(store: Store, db_path: Path) -> None:
    schedule = await new_schedule(store)
    async with await Store.open(db_path) as other:
        claims = [
            s.claim_slot(schedule, SLOT, f"owner{n}", 30) for n, s in enumerate((store, other) * 10)
        ]
        results = await asyncio.gather(*claims)
    assert results.count(True) == 1
    # The same instant in another zone is the same slot.
    paris = SLOT.astimezone(ZoneInfo("Europe/Paris"))
    assert not await store.claim_slot(schedule, paris, "late", 30)


async def test_a_dead_holders_slot_is_taken_over_once(store: Store) -> None:
    schedule = await new_schedule(store)
    assert await store.claim_slot(schedule, SLOT, "dead", 30)
    assert not await store.claim_slot(schedule, SLOT, "me", 30)  # its holder may live
    assert await store.claim_slot(schedule, SLOT, "me", 30, dead={"dead"})
    assert not await store.claim_slot(schedule, SLOT, "other", 30, dead={"dead"})
    await store.finish_slot(schedule, SLOT, "done", tokens=12, post_ref="schedule:1")
    assert not await store.claim_slot(schedule, SLOT, "other", 30, dead={"me"})
    assert await store.slot_statuses(schedule) == {slot_text(SLOT): "done"}


async def test_missed_slots_are_recorded_without_running(store: Store) -> None:
    schedule = await new_schedule(store)
    await store.finish_slot(schedule, SLOT, "missed")
    assert not await store.claim_slot(schedule, SLOT, "me", 30)
    with pytest.raises(ValueError, match="finished slot"):
        await store.finish_slot(schedule, SLOT, "running")
    with pytest.raises(ValueError, match="time zone"):
        slot_text(datetime(2026, 12, 1, 9))


async def test_a_removed_schedule_is_no_longer_live(store: Store) -> None:
    schedule = await new_schedule(store)
    assert await store.schedule_live(schedule)
    assert await store.remove_schedule(schedule)
    assert not await store.schedule_live(schedule)
    assert not await store.remove_schedule(schedule)  # already gone
    assert not await store.remove_schedule(9999)
