"""Confirm / Dismiss buttons on Slack: Block Kit actions whose value is a `/nova` command,
clicked through the fake (signed `block_actions` requests, as Slack sends them)."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.adapters.slack.conftest import SECRET, RunningSlack, StartSlack
from tests.fakes.slack_server import action_body, signed_headers
from tests.helpers import eventually

ADMIN = frozenset({("slack", "U1")})


async def propose(slack: RunningSlack) -> tuple[int, dict[str, Any]]:
    """A non-admin's `/nova remember`: a proposed item, offered in the channel."""
    await slack.app.store.create_project("airep")
    await slack.app.store.bind_project("slack", "C1", "airep")
    status, _, _ = await slack.command("remember rule: discounts never stack", user_id="U2")
    assert status == 200
    offered = await eventually(lambda: [m for m in slack.fake.messages["C1"] if m.get("blocks")])
    [item] = await slack.app.store.knowledge_items("airep")
    return item.id, copy.deepcopy(offered[0])  # as the user's client still shows it


def blocks_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = message.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


async def click(slack: RunningSlack, message: dict[str, Any], label: str, user: str) -> None:
    [actions] = [b for b in blocks_of(message) if b["type"] == "actions"]
    [button] = [e for e in actions["elements"] if e["text"]["text"] == label]
    raw = action_body(message, button["action_id"], button["value"], user_id=user)
    status, _, _ = await slack.post(raw, signed_headers(raw, SECRET))
    assert status == 200


async def test_confirm_after_a_restart_then_a_second_click_changes_nothing(
    start_slack: StartSlack,
) -> None:
    first = await start_slack(admins=ADMIN)
    item_id, offered = await propose(first)
    assert offered["text"].count(f"/nova knowledge confirm {item_id}") == 1  # the fallback
    await first.stop()
    slack = await start_slack(admins=ADMIN)  # a new process's adapter, same database

    await click(slack, offered, "Confirm", "U1")
    updated = await eventually(lambda: slack.fake.calls_to("chat.update"))
    assert (await slack.app.store.require_knowledge(item_id)).status == "active"
    message = next(m for m in slack.fake.messages["C1"] if m["ts"] == offered["ts"])
    assert "✅" in message["text"] and "confirmed" in message["text"] and "<@U1>" in message["text"]
    assert all(b["type"] != "actions" for b in blocks_of(message))  # the buttons are gone

    await click(slack, offered, "Dismiss", "U1")  # a stale copy of the buttons
    [whisper] = await eventually(lambda: slack.fake.calls_to("chat.postEphemeral"))
    assert whisper.args["user"] == "U1" and "already confirmed" in whisper.args["text"]
    assert len(slack.fake.calls_to("chat.update")) == len(updated)
    assert (await slack.app.store.require_knowledge(item_id)).status == "active"


async def test_a_non_admins_click_is_refused_privately(start_slack: StartSlack) -> None:
    slack = await start_slack(admins=ADMIN)
    item_id, offered = await propose(slack)
    await click(slack, offered, "Confirm", "U2")
    [whisper] = await eventually(lambda: slack.fake.calls_to("chat.postEphemeral"))
    assert whisper.args["user"] == "U2" and "Only a Nova admin" in whisper.args["text"]
    assert (await slack.app.store.require_knowledge(item_id)).status == "proposed"
    await click(slack, offered, "Dismiss", "U1")
    await eventually(lambda: slack.fake.calls_to("chat.update"))
    assert (await slack.app.store.require_knowledge(item_id)).status == "dismissed"
