"""Posting an outbox entry in Discord: each part carries a nonce Discord enforces, so a
second attempt after a crash is dropped by Discord itself instead of posted twice."""

from __future__ import annotations

from novabot.core.delivery import Post
from novabot.core.message import ConversationKey
from tests.adapters.discord.conftest import CHANNEL, RunningDiscord

KEY = ConversationKey("discord", str(CHANNEL))
LONG = "\n\n".join(f"paragraph {n} " + "x" * 900 for n in range(3))  # two Discord messages


async def test_a_repeated_post_is_dropped_by_its_nonces(nova_discord: RunningDiscord) -> None:
    responder = nova_discord.adapter.responder_for(KEY)
    assert responder is not None
    first = await responder.deliver(Post(5, KEY, LONG))
    again = await responder.deliver(Post(5, KEY, LONG, recheck=True))
    sent = nova_discord.sent()
    assert len(sent) == 2 and first == again == sent[0]["id"]
    creates = nova_discord.fake.requests_to("POST", rf"/channels/{CHANNEL}/messages")
    assert [(c.json or {}).get("nonce") for c in creates] == ["nova-5-0", "nova-5-1"] * 2
    assert all((c.json or {}).get("enforce_nonce") for c in creates)


async def test_the_first_part_replaces_the_placeholder_by_its_id(
    nova_discord: RunningDiscord,
) -> None:
    responder = nova_discord.adapter.responder_for(KEY)
    assert responder is not None
    placeholder = await responder.deliver(Post(6, KEY, "_chat is thinking…_"))
    answer = await responder.deliver(Post(7, KEY, "the whole answer", anchor=placeholder))
    assert answer == placeholder
    assert [m["content"] for m in nova_discord.sent()] == ["the whole answer"]
