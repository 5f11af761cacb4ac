"""Projects and knowledge in chat: `/nova project`, `remember`, `knowledge`, `forget`,
run through the bot's command path as every adapter runs them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cogs.knowledge import split_kind, title_of
from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey
from tests.helpers import RecordingResponder

ADMIN, USER = "ADMIN", "U2"
KEY = ConversationKey("test", "C1")
OTHER = ConversationKey("test", "C2")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with started_app(settings.replaced(admins=frozenset({("test", ADMIN)}))) as started:
        await started.store.create_project("airep", title="AI reporting")
        await started.store.create_project("shop")
        yield started


async def run(
    app: App, text: str, user: str = ADMIN, key: ConversationKey = KEY
) -> tuple[bool, str, RecordingResponder]:
    name, _, args = text.partition(" ")
    responder = RecordingResponder(key)
    reply = await app.bot.run_command(key, user, name, args, responder)
    return reply.ok, reply.text, responder


async def test_bind_show_and_unbind_a_project(app: App) -> None:
    assert "belongs to no project" in (await run(app, "project"))[1]
    ok, text, _ = await run(app, "project bind airep")
    assert ok and "project airep" in text
    await run(app, "remember rule: totals round per line")
    ok, text, _ = await run(app, "project", user=USER)
    assert ok and "airep — AI reporting" in text and "1 active" in text
    ok, text, _ = await run(app, "project bind shop")
    assert not ok and "airep" in text  # bound elsewhere: the store names it
    ok, text, _ = await run(app, "project bind shop --force")
    assert ok and "it belonged to airep" in text
    assert (await app.store.project_for(KEY)).name == "shop"  # type: ignore[union-attr]
    ok, text, _ = await run(app, "project unbind")
    assert ok and await app.store.project_for(KEY) is None
    ok, text, _ = await run(app, "project bind nosuch")
    assert not ok and "nosuch" in text


async def test_only_admins_bind_unbind_and_forget(app: App) -> None:
    await run(app, "project bind airep")
    for command in ("project bind shop", "project unbind", "forget 1"):
        ok, text, _ = await run(app, command, user=USER)
        assert not ok and "Only a Nova admin" in text, command
    assert (await app.store.project_for(KEY)).name == "airep"  # type: ignore[union-attr]


async def test_remember_outside_a_project_says_to_bind_one(app: App) -> None:
    ok, text, _ = await run(app, "remember prices are in cents")
    assert not ok and text.count("\n") == 0 and "/nova project bind" in text
    assert await app.store.knowledge_items("airep") == []


async def test_an_admins_remember_is_active_with_kind_title_and_source(app: App) -> None:
    await run(app, "project bind airep")
    ok, text, _ = await run(app, "remember decision: We ship on Fridays. Hotfixes any day.")
    assert ok and text.startswith("Remembered #")
    [item] = await app.store.knowledge_items("airep")
    assert (item.kind, item.status, item.author) == ("decision", "active", ADMIN)
    assert item.title == "We ship on Fridays."
    assert item.body == "We ship on Fridays. Hotfixes any day."
    assert str(KEY) in item.source and ADMIN in item.source


async def test_a_users_remember_is_proposed_and_offered(app: App) -> None:
    await run(app, "project bind airep")
    ok, text, responder = await run(app, "remember the cron runs at 2am", user=USER)
    [item] = await app.store.knowledge_items("airep")
    assert ok and item.status == "proposed" and item.kind == "note"
    assert f"/nova knowledge confirm {item.id}" in text
    # The text fallback of the Confirm / Dismiss buttons, said in the channel.
    [offer] = responder.texts
    assert f"/nova knowledge confirm {item.id}" in offer
    assert f"/nova knowledge dismiss {item.id}" in offer
    # Proposed items are not listed with the project's knowledge, but on their own.
    assert "no active knowledge" in (await run(app, "knowledge"))[1]
    assert (await run(app, "knowledge proposed"))[1] == f"#{item.id} note: the cron runs at 2am"


async def test_confirm_once_then_already_confirmed(app: App) -> None:
    await run(app, "project bind airep")
    await run(app, "remember rule: discounts never stack", user=USER)
    [item] = await app.store.knowledge_items("airep")
    ok, text, _ = await run(app, f"knowledge confirm {item.id}", user=USER)
    assert not ok and "Only a Nova admin" in text
    ok, text, _ = await run(app, f"knowledge confirm {item.id}")
    assert ok and "confirmed" in text
    assert (await app.store.require_knowledge(item.id)).status == "active"
    ok, text, _ = await run(app, f"knowledge confirm {item.id}")
    assert not ok and text == f"#{item.id} was already confirmed."
    ok, text, _ = await run(app, f"knowledge dismiss {item.id}")
    assert not ok and (await app.store.require_knowledge(item.id)).status == "active"
    listed = (await run(app, "knowledge", user=USER))[1]
    assert f"#{item.id} rule: discounts never stack" in listed


async def test_a_dismissed_item_never_becomes_active(app: App) -> None:
    await run(app, "project bind airep")
    await run(app, "remember problem: stock sync duplicates orders", user=USER)
    [item] = await app.store.knowledge_items("airep")
    assert (await run(app, f"knowledge dismiss {item.id}"))[0]
    ok, text, _ = await run(app, f"knowledge confirm {item.id}")
    assert not ok and "already dismissed" in text
    assert (await app.store.require_knowledge(item.id)).status == "dismissed"
    assert "no active knowledge" in (await run(app, "knowledge"))[1]
    assert "Nothing in airep matches" in (await run(app, "knowledge stock sync"))[1]


async def test_search_lists_matching_items_only(app: App) -> None:
    await run(app, "project bind airep")
    await run(app, "remember rule: VAT is rounded per invoice line")
    await run(app, "remember glossary: SKU means stock keeping unit")
    ok, text, _ = await run(app, "knowledge how is vat rounded?", user=USER)
    assert ok and "VAT is rounded" in text and "SKU" not in text
    assert "Nothing in airep matches" in (await run(app, "knowledge ?!"))[1]


async def test_another_projects_items_are_not_found_here(app: App) -> None:
    await run(app, "project bind airep")
    await run(app, "project bind shop", key=OTHER)
    await run(app, "remember secret shop rule", key=OTHER)
    await run(app, "remember shop proposal", user=USER, key=OTHER)
    items = {i.title: i.id for i in await app.store.knowledge_items("shop")}
    missing = 9999
    for command in ("knowledge confirm {}", "knowledge dismiss {}", "forget {}"):
        for item_id in (items["shop proposal"], items["secret shop rule"], missing):
            ok, text, _ = await run(app, command.format(item_id))
            assert not ok and text == f"There is no knowledge item #{item_id} here.", command
    assert (await run(app, "knowledge secret shop rule"))[1].startswith("Nothing in airep")
    statuses = {i.title: i.status for i in await app.store.knowledge_items("shop")}
    assert statuses == {"secret shop rule": "active", "shop proposal": "proposed"}


async def test_forget_deletes_an_item_of_this_project(app: App) -> None:
    await run(app, "project bind airep")
    await run(app, "remember note: staging deploys on Tuesdays")
    [item] = await app.store.knowledge_items("airep")
    ok, text, _ = await run(app, f"forget #{item.id}")
    assert ok and "staging deploys" in text
    assert await app.store.knowledge(item.id) is None
    assert not (await run(app, "forget"))[0]


def test_titles_and_kinds_from_free_text() -> None:
    assert split_kind("Rule: totals round per line") == ("rule", "totals round per line")
    assert split_kind("remember: this is a note") == ("note", "remember: this is a note")
    assert title_of("First line\nsecond line") == "First line"
    assert title_of("One sentence. Another one.") == "One sentence."
    long = title_of("word " * 40)
    assert len(long) <= 80 and long.endswith("…")
