"""The knowledge tools, called by an agent's model (the fake OpenAI server scripts the
calls): proposals are stored `proposed` and offered with Confirm / Dismiss."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.message import ConversationKey, Message
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

ADMIN, USER = "ADMIN", "U2"
KEY = ConversationKey("test", "C1")
UNBOUND = ConversationKey("test", "C9")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with started_app(settings.replaced(admins=frozenset({("test", ADMIN)}))) as started:
        await started.store.create_project("airep")
        await started.store.create_project("shop")
        await started.store.bind_project("test", "C1", "airep")
        await started.store.bind_project("test", "C2", "shop")
        yield started


LINK = "https://slack.com/archives/C1/p1700000000000100"


async def ask(
    app: App, agent: str, text: str, user: str = USER, key: ConversationKey = KEY
) -> RecordingResponder:
    responder = RecordingResponder(key)
    message = Message(key, text, user_id=user, agent=agent, link=LINK)
    await app.bot.handle(message, responder)
    return responder


def tool_result(fake: FakeOpenAI, request: int = 1) -> str:
    return str(fake.requests[request].body["messages"][-1]["content"])


async def test_propose_knowledge_stores_a_proposal_and_offers_it(
    app: App, fake_openai: FakeOpenAI
) -> None:
    args = {"kind": "decision", "title": "Ship on Fridays", "body": "We ship on Fridays."}
    fake_openai.script(ToolCalls((Call("propose_knowledge", args),)), Text("Proposed."))
    responder = await ask(app, "project", "ok so we ship on fridays from now on", user=ADMIN)
    [item] = await app.store.knowledge_items("airep")
    assert (item.kind, item.title, item.status) == ("decision", "Ship on Fridays", "proposed")
    assert item.author == ADMIN and str(KEY) in item.source
    assert item.source_link == LINK  # back to the message it came from
    assert tool_result(fake_openai).startswith(f"proposed #{item.id} decision")
    offer = next(text for text in responder.texts if "Proposed #" in text)
    assert f"/nova knowledge confirm {item.id}" in offer
    assert f"/nova knowledge dismiss {item.id}" in offer
    assert responder.texts[-1] == "Proposed."


async def test_scribe_records_active_for_admins_and_proposed_for_others(
    app: App, fake_openai: FakeOpenAI
) -> None:
    rule = {"kind": "rule", "title": "Discounts never stack", "body": "Discounts never stack."}
    note = {"kind": "note", "title": "Prices in cents", "body": "Prices are kept in cents."}
    fake_openai.script(
        ToolCalls((Call("record_knowledge", rule),)),
        Text("Recorded."),
        ToolCalls((Call("record_knowledge", note),)),
        Text("Proposed."),
    )
    await ask(app, "scribe", "record this rule: discounts never stack", user=ADMIN)
    assert tool_result(fake_openai, 1).startswith("recorded #")
    responder = await ask(app, "scribe", "note that prices are kept in cents", user=USER)
    statuses = {i.title: i.status for i in await app.store.knowledge_items("airep")}
    assert statuses == {"Discounts never stack": "active", "Prices in cents": "proposed"}
    assert any("/nova knowledge confirm" in text for text in responder.texts)


async def test_search_sees_only_this_projects_active_items(
    app: App, fake_openai: FakeOpenAI
) -> None:
    await app.store.add_knowledge("airep", "rule", "VAT rounding", "VAT is rounded per line.")
    await app.store.add_knowledge("shop", "rule", "VAT at checkout", "Shop VAT is per order.")
    await app.store.add_knowledge("airep", "note", "VAT draft", "VAT idea.", status="proposed")
    fake_openai.script(
        ToolCalls((Call("search_project_knowledge", {"query": "VAT"}),)), Text("Per rule.")
    )
    await ask(app, "project", "how is VAT rounded?")
    found = tool_result(fake_openai)
    assert "VAT is rounded per line." in found
    assert "Shop VAT" not in found and "VAT idea" not in found


async def test_resolve_and_supersede_by_an_admin(app: App, fake_openai: FakeOpenAI) -> None:
    problem = await app.store.add_knowledge("airep", "problem", "Sync dupes", "Sync duplicates.")
    rule = await app.store.add_knowledge("airep", "rule", "Free shipping", "Free over 40 EUR.")
    other = await app.store.add_knowledge("shop", "rule", "Shop rule", "Shop only.")
    fake_openai.script(
        ToolCalls((Call("resolve_knowledge", {"item_id": problem.id}),)),
        Text("Resolved."),
        ToolCalls((Call("supersede_knowledge", {"old_id": rule.id, "body": "Free over 50."}),)),
        Text("Updated."),
        ToolCalls((Call("resolve_knowledge", {"item_id": other.id}),)),
        Text("Not here."),
    )
    await ask(app, "scribe", "mark the sync problem resolved", user=ADMIN)
    await ask(app, "scribe", "free shipping is now over 50", user=ADMIN)
    await ask(app, "scribe", "close the shop rule", user=ADMIN)
    assert (await app.store.require_knowledge(problem.id)).status == "resolved"
    assert (await app.store.require_knowledge(rule.id)).status == "superseded"
    [new] = await app.store.knowledge_items("airep", kinds=("rule",), statuses=("active",))
    assert new.supersedes == rule.id and new.body == "Free over 50."
    assert tool_result(fake_openai, 5) == f"error: There is no knowledge item #{other.id} here."
    assert (await app.store.require_knowledge(other.id)).status == "active"


async def test_a_conversation_without_a_project_stores_nothing(
    app: App, fake_openai: FakeOpenAI
) -> None:
    args = {"kind": "note", "title": "t", "body": "b"}
    fake_openai.script(ToolCalls((Call("propose_knowledge", args),)), Text("Cannot."))
    await ask(app, "project", "we decided something", key=UNBOUND)
    assert "belongs to no project" in tool_result(fake_openai)
    assert await app.store.knowledge_items("airep") == []


async def test_a_users_replacement_waits_for_confirmation(
    app: App, fake_openai: FakeOpenAI
) -> None:
    rule = await app.store.add_knowledge("airep", "rule", "Free shipping", "Free over 40 EUR.")
    fake_openai.script(
        ToolCalls((Call("supersede_knowledge", {"old_id": rule.id, "body": "Free over 50."}),)),
        Text("Proposed."),
    )
    await ask(app, "scribe", "free shipping is now over 50", user=USER)
    [new] = await app.store.knowledge_items("airep", statuses=("proposed",))
    assert new.supersedes == rule.id
    assert (await app.store.require_knowledge(rule.id)).status == "active"  # until confirmed
    reply = await app.bot.run_command(KEY, ADMIN, "knowledge", f"confirm {new.id}")
    assert reply.ok
    assert (await app.store.require_knowledge(rule.id)).status == "superseded"
    assert (await app.store.require_knowledge(new.id)).status == "active"
