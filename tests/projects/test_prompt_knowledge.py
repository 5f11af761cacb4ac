"""Project knowledge reaches the prompt the fake OpenAI server receives, and only there."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from novabot.app import App
from novabot.core.bot import Bot, Status
from novabot.core.message import ConversationKey, Message
from novabot.pipeline.plan import parse_plan
from novabot.store import Store
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import RecordingResponder

QUESTION = "How do we round VAT on an invoice?"


def system_prompt(fake: FakeOpenAI, index: int = -1) -> str:
    messages = fake.requests[index].body["messages"]
    assert messages[0]["role"] == "system"
    return str(messages[0]["content"])


async def fill_erp(store: Store) -> dict[str, int]:
    """Project `erp`: a pinned rule, the rule the question is about, an unrelated note."""
    await store.create_project("erp", title="The ERP")
    tone = await store.add_knowledge(
        "erp", "rule", "Answer in English", "Replies to the accounting team are in English.",
        pinned=True,
    )  # fmt: skip
    vat = await store.add_knowledge(
        "erp", "rule", "VAT rounding", "VAT is rounded per invoice line, half up, to 2 decimals."
    )
    plants = await store.add_knowledge(
        "erp", "note", "Office plants", "The ferns in room 4 are watered on Mondays."
    )
    return {"tone": tone.id, "vat": vat.id, "plants": plants.id}


async def fill_shop(store: Store) -> dict[str, int]:
    await store.create_project("shop")
    tax = await store.add_knowledge(
        "shop", "decision", "Prices include tax", "Shop prices are shown with VAT included."
    )
    pinned = await store.add_knowledge(
        "shop", "glossary", "SKU", "A stock keeping unit: one sellable variant.", pinned=True
    )
    return {"tax": tax.id, "sku": pinned.id}


async def ask(bot: Bot, key: ConversationKey, text: str = QUESTION) -> None:
    outcome = await bot.handle(Message(key, text, user_id="U1"), RecordingResponder())
    assert outcome.status is Status.ANSWERED, outcome.error


async def test_a_bound_conversation_carries_pinned_and_relevant_items_only(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    ids = await fill_erp(bot.store)
    await bot.store.bind_project("test", "C1", "erp")
    await ask(bot, ConversationKey("test", "C1", "T1"))  # a thread inherits the channel's
    system = system_prompt(fake_openai)
    assert "## Project knowledge" in system and "project erp" in system
    assert f"rule #{ids['tone']}" in system and "in English" in system
    assert f"rule #{ids['vat']}" in system and "half up" in system
    assert "ferns" not in system and f"#{ids['plants']}" not in system
    # Pinned first.
    assert system.index(f"rule #{ids['tone']}") < system.index(f"rule #{ids['vat']}")

    why = await bot.run_command(ConversationKey("test", "C1", "T1"), "U1", "why", "")
    assert f"knowledge used: rule #{ids['tone']} Answer in English" in why.text
    assert f"rule #{ids['vat']} VAT rounding" in why.text and "Office plants" not in why.text


async def test_an_unbound_conversation_has_no_knowledge_section(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    await fill_erp(bot.store)
    await ask(bot, ConversationKey("test", "C9"))
    # The section itself (a card, such as `project`'s, may mention it by name).
    assert "## Project knowledge" not in system_prompt(fake_openai)
    assert "VAT is rounded per invoice line" not in system_prompt(fake_openai)
    why = await bot.run_command(ConversationKey("test", "C9"), "U1", "why", "")
    assert "knowledge used" not in why.text


async def test_two_projects_on_two_channels_never_share_knowledge(
    bot: Bot, fake_openai: FakeOpenAI
) -> None:
    erp, shop = await fill_erp(bot.store), await fill_shop(bot.store)
    await bot.store.bind_project("test", "ERP", "erp")
    await bot.store.bind_project("test", "SHOP", "shop")
    question = "How is VAT handled on prices and invoices?"
    await ask(bot, ConversationKey("test", "ERP"), question)
    await ask(bot, ConversationKey("test", "SHOP"), question)
    in_erp, in_shop = system_prompt(fake_openai, 0), system_prompt(fake_openai, 1)
    assert "half up" in in_erp and "project erp" in in_erp
    assert "VAT included" in in_shop and "project shop" in in_shop
    assert "VAT included" not in in_erp and "stock keeping" not in in_erp
    assert "half up" not in in_shop and "in English" not in in_shop
    assert f"#{shop['tax']}" not in in_erp and f"#{erp['vat']}" not in in_shop


async def nova(tmp_path: Path, *args: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "novabot", *args, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_knowledge_comes_back_in_a_new_process(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    store = await Store.open(tmp_path / "nova.db")
    try:
        erp, shop = await fill_erp(store), await fill_shop(store)
        await store.bind_project("cli", "erp-work", "erp")  # a terminal thread, by its name
        await store.bind_project("cli", "shop-work", "shop")
    finally:
        await store.close()
    env = cli_env(tmp_path, fake_openai)
    await nova(tmp_path, "ask", "--thread", "erp-work", QUESTION, env=env)
    await nova(tmp_path, "ask", "--thread", "shop-work", QUESTION, env=env)
    await nova(tmp_path, "ask", "--thread", "erp-work", QUESTION, env=env)
    first, shop_prompt, again = (system_prompt(fake_openai, i) for i in range(3))
    for erp_prompt in (first, again):
        assert "half up" in erp_prompt and "in English" in erp_prompt
        assert "ferns" not in erp_prompt and "VAT included" not in erp_prompt
    assert "VAT included" in shop_prompt and "half up" not in shop_prompt
    why = await nova(tmp_path, "why", "--thread", "erp-work", env=env)
    assert f"rule #{erp['vat']} VAT rounding" in why and f"#{shop['tax']}" not in why


async def test_a_pipeline_step_in_a_projects_thread_gets_its_knowledge(
    app: App, fake_openai: FakeOpenAI
) -> None:
    ids = await fill_erp(app.store)
    await app.store.bind_project("test", "ERP", "erp")
    plan = parse_plan(
        {"task": "VAT memo", "steps": [
            {"id": "a", "agent": "chat", "instruction": "Explain how VAT is rounded on invoices"}
        ]},
        "test",
    )  # fmt: skip
    executor = app.pipelines.executor
    run_id = await executor.create(ConversationKey("test", "ERP", "t1"), plan)
    record = await executor.run(run_id)
    assert record.status == "done"
    step_prompt = system_prompt(fake_openai, 0)
    assert "## Project knowledge" in step_prompt
    assert f"#{ids['tone']}" in step_prompt and f"#{ids['vat']}" in step_prompt
    assert "Office plants" not in step_prompt
