"""Confirm / Dismiss buttons on Discord: message components whose custom_id is a `/nova`
command, clicked through the fake's gateway (INTERACTION_CREATE of type 3)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from novabot.core.message import ConversationKey
from tests.adapters.discord.conftest import (
    ALICE,
    CHANNEL,
    GUILD,
    NOVA_ID,
    USER,
    RunningDiscord,
    StartDiscord,
)
from tests.fakes.discord_gateway import component_interaction, user_payload
from tests.helpers import eventually

ADMINS = frozenset({("discord", str(USER))})
BOB = user_payload(43, "bob")
_ids = itertools.count(9000)


async def propose(discord: RunningDiscord) -> tuple[int, dict[str, Any]]:
    """Bob (no admin) runs `/nova remember`: a proposed item, offered with buttons."""
    await discord.app.store.create_project("airep")
    await discord.app.store.bind_project("discord", str(CHANNEL), "airep")
    key = ConversationKey("discord", str(CHANNEL))
    channel = discord.adapter.responder_for(key)
    await discord.bot.run_command(key, "43", "remember", "rule: discounts never stack", channel)
    offered = await eventually(lambda: [m for m in discord.sent() if m.get("components")])
    [item] = await discord.app.store.knowledge_items("airep")
    return item.id, copy.deepcopy(offered[0])  # as the user's client still shows it


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for row in message["components"] for b in row["components"]}


async def click(discord: RunningDiscord, message: dict[str, Any], label: str, user: dict) -> str:
    token = f"click-{next(_ids)}"
    await discord.fake.dispatch(
        "INTERACTION_CREATE",
        component_interaction(
            next(_ids), application_id=NOVA_ID, message=message,
            custom_id=buttons(message)[label], guild_id=GUILD, user=user, token=token,
        ),
    )  # fmt: skip
    return token


def callbacks(discord: RunningDiscord, token: str) -> list[dict[str, Any]]:
    return [c.json for c in discord.fake.interaction_responses() if token in c.path and c.json]


async def test_confirm_after_a_restart_then_a_second_click_changes_nothing(
    start_discord: StartDiscord,
) -> None:
    first = await start_discord(admins=ADMINS)
    item_id, offered = await propose(first)
    assert set(buttons(offered)) == {"Confirm", "Dismiss"}
    await first.stop()
    discord = await start_discord(admins=ADMINS)  # a new process's client, same database

    token = await click(discord, offered, "Confirm", ALICE)
    [answer] = await eventually(lambda: callbacks(discord, token))
    assert answer["type"] == 7  # UPDATE_MESSAGE: the offer itself changes
    assert (await discord.app.store.require_knowledge(item_id)).status == "active"
    shown = next(m for m in discord.sent() if m["id"] == offered["id"])
    assert "✅" in shown["content"] and f"<@{USER}>" in shown["content"]
    assert shown["components"] == []  # the buttons are gone

    token = await click(discord, offered, "Dismiss", ALICE)  # a stale copy of the buttons
    [answer] = await eventually(lambda: callbacks(discord, token))
    assert answer["type"] == 4 and answer["data"]["flags"] & 64  # ephemeral
    assert "already confirmed" in answer["data"]["content"]
    assert (await discord.app.store.require_knowledge(item_id)).status == "active"


async def test_a_non_admins_click_is_refused_privately(start_discord: StartDiscord) -> None:
    discord = await start_discord(admins=ADMINS)
    item_id, offered = await propose(discord)
    token = await click(discord, offered, "Confirm", BOB)
    [answer] = await eventually(lambda: callbacks(discord, token))
    assert answer["type"] == 4 and "Only a Nova admin" in answer["data"]["content"]
    assert (await discord.app.store.require_knowledge(item_id)).status == "proposed"
