"""The ERP tools through real agent turns: the fake OpenAI server scripts the model's
`erp_query` and `erp_schema` calls, the bot routes, runs the tools on a SQLite ERP file,
and the answer carries the queries it ran."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from cogs.erp import NOT_CONFIGURED
from novabot.app import App, started_app
from novabot.config import Settings
from novabot.core.bot import Outcome
from novabot.core.message import ConversationKey, Message
from novabot.llm.metering import charged_to
from tests.erp.erp_data import create_sqlite, snapshot_sqlite
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls
from tests.helpers import RecordingResponder

KEY = ConversationKey("test", "C1")
ON_HAND = (
    "SELECT SUM(s.on_hand) AS on_hand FROM stock s JOIN products p ON p.id = s.product_id"
    " WHERE p.name LIKE '%gutter brush 600%'"
)


@pytest.fixture
def erp_file(tmp_path: Path) -> Path:
    return create_sqlite(tmp_path / "erp.db")


@pytest.fixture
async def app(settings: Settings, erp_file: Path) -> AsyncIterator[App]:
    chosen = settings.replaced(erp_database_url=SecretStr(f"sqlite:///{erp_file}"))
    async with started_app(chosen) as started:
        yield started


async def ask(
    app: App, text: str, *, agent: str | None = None, event_id: str | None = None
) -> tuple[Outcome, RecordingResponder]:
    responder = RecordingResponder(KEY)
    message = Message(KEY, text, user_id="U1", agent=agent, event_id=event_id)
    return await app.bot.handle(message, responder), responder


def query(sql: str) -> ToolCalls:
    return ToolCalls((Call("erp_query", {"sql": sql}),))


def tool_result(fake: FakeOpenAI, request: int = 1) -> str:
    return str(fake.requests[request].body["messages"][-1]["content"])


async def test_a_stock_question_goes_to_inventory_and_shows_its_query(
    app: App, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.script(query(ON_HAND), Text("We have 47 gutter brushes 600 mm in stock."))
    with caplog.at_level(logging.INFO, logger="cogs.erp"):
        outcome, responder = await ask(app, "how many 600 mm gutter brushes do we have in stock?")
    assert outcome.route is not None and outcome.route.agent == "erp-inventory"
    assert tool_result(fake_openai).splitlines()[1:] == ["on_hand", "47"]  # 42 + 5, two bins
    [(agent, text)] = responder.said
    answer, block = text.split("\n\n> **Queries**")
    assert agent == "erp-inventory" and answer == "We have 47 gutter brushes 600 mm in stock."
    assert f"`{ON_HAND}` — 1 row, " in block
    # The history keeps what was shown: the next turn's model sees where 47 came from.
    stored = (await app.store.history(KEY))[-1]
    assert stored.role == "assistant" and "**Queries** (1)" in stored.content
    [logged] = [r.getMessage() for r in caplog.records if "erp query" in r.getMessage()]
    assert logged.startswith("erp query by erp-inventory in test:C1: 1 row, ")
    assert logged.endswith(f"ms: {ON_HAND}")


async def test_the_queries_reach_the_outbox_with_the_answer(
    app: App, fake_openai: FakeOpenAI
) -> None:
    """A platform message (with an event id) is posted through the outbox, from the
    answer's text: the queries block must be part of that text, not only of the stream."""
    fake_openai.script(
        query("SELECT count(*) AS n FROM invoices"),
        query("SELECT count(*) AS n FROM payments"),
        Text("Two invoices, one paid."),
    )
    _, responder = await ask(app, "how many invoices are paid?", agent="erp-finance", event_id="E1")
    [text] = responder.texts
    assert text.startswith("Two invoices, one paid.\n\n> **Queries** (2)")
    assert "> 1. `SELECT count(*) AS n FROM invoices` — 1 row" in text
    assert "> 2. `SELECT count(*) AS n FROM payments` — 1 row" in text


async def test_a_write_is_refused_shown_and_changes_nothing(
    app: App, fake_openai: FakeOpenAI, erp_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = snapshot_sqlite(erp_file)
    fake_openai.script(query("DELETE FROM stock"), Text("I cannot change stock."))
    with caplog.at_level(logging.INFO, logger="cogs.erp"):
        _, responder = await ask(app, "delete all stock rows", agent="erp-sql")
    result = tool_result(fake_openai)
    assert result.startswith("refused: DELETE on stock is not allowed") and "\n" not in result
    assert "> 1. `DELETE FROM stock` — refused" in responder.texts[0]
    assert snapshot_sqlite(erp_file) == before
    [logged] = [r for r in caplog.records if "erp query" in r.getMessage()]
    assert logged.levelno == logging.WARNING and "by erp-sql in test:C1 refused" in logged.message


async def test_the_schema_has_counts_and_the_projects_schema_notes(
    app: App, fake_openai: FakeOpenAI
) -> None:
    await app.store.create_project("sweep")
    await app.store.bind_project("test", "C1", "sweep")
    await app.store.add_knowledge(
        "sweep", "schema", "stock.on_hand counts pieces", "A box of brushes is 4 pieces.",
        status="active",
    )  # fmt: skip
    await app.store.add_knowledge("sweep", "rule", "Stock counts on Mondays", "…", status="active")
    fake_openai.script(ToolCalls((Call("erp_schema", {}),)), Text("15 tables."))
    _, responder = await ask(app, "which tables are there?", agent="erp-sql")
    schema = tool_result(fake_openai)
    assert schema.startswith("ERP database (SQLite dialect): 15 tables and views")
    assert "stock (table, 6 rows)" in schema and "invoices (table, 2 rows)" in schema
    assert "note (schema #1): stock.on_hand counts pieces: A box of brushes is 4 pieces." in schema
    assert "Stock counts on Mondays" not in schema  # only `schema` items are column notes
    assert responder.texts == ["15 tables."]  # no query, no block


async def test_the_projects_database_wins_over_the_default(
    app: App, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    own = create_sqlite(tmp_path / "own.db")
    with sqlite3.connect(own) as conn:
        conn.execute("UPDATE stock SET on_hand = 1000 WHERE product_id = 1")
    await app.store.create_project("sweep")
    await app.store.set_project_erp_url("sweep", f"sqlite:///{own}")
    total = "SELECT SUM(on_hand) AS total FROM stock WHERE product_id = 1"
    fake_openai.script(query(total), Text("a"), query(total), Text("b"))
    await ask(app, "total on hand of product 1", agent="erp-inventory")
    assert tool_result(fake_openai, 1).splitlines()[-1] == "47"  # the default database
    await app.store.bind_project("test", "C1", "sweep")
    await ask(app, "total on hand of product 1", agent="erp-inventory")
    assert tool_result(fake_openai, 3).splitlines()[-1] == "2000"  # the project's own


async def test_without_a_database_the_tool_says_how_to_set_one(
    settings: Settings, fake_openai: FakeOpenAI
) -> None:
    async with started_app(settings) as app:
        fake_openai.script(query("SELECT 1"), Text("No database."))
        await ask(app, "stock of GB-600", agent="erp-inventory")
        fake_openai.script(ToolCalls((Call("erp_schema", {}),)), Text("No database."))
        await ask(app, "which tables are there", agent="erp-sql")
    assert tool_result(fake_openai, 1) == NOT_CONFIGURED
    assert tool_result(fake_openai, 3) == NOT_CONFIGURED
    assert "NOVA_ERP_DATABASE_URL" in NOT_CONFIGURED and "\n" not in NOT_CONFIGURED


async def test_a_truncated_result_says_so_to_the_model(app: App, fake_openai: FakeOpenAI) -> None:
    million = (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000)"
        " SELECT n FROM r"
    )
    fake_openai.script(query(million), Text("Too many to list."))
    _, responder = await ask(app, "list a million numbers", agent="erp-sql")
    result = tool_result(fake_openai).splitlines()
    assert result[0].startswith("100 rows in ") and "TRUNCATED" in result[0]
    assert len(result) == 102  # the line, the header, 100 rows
    assert "— 100 rows (truncated)" in responder.texts[0]


async def test_a_pipeline_step_reads_its_conversations_project_database(
    app: App, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No turn (a pipeline step, a scheduled job): the charge names the conversation."""
    own = create_sqlite(tmp_path / "own.db")
    with sqlite3.connect(own) as conn:
        conn.execute("DELETE FROM payments")
    await app.store.create_project("sweep")
    await app.store.set_project_erp_url("sweep", f"sqlite:///{own}")
    await app.store.bind_project("test", "C1", "sweep")
    tool = app.registry.tools["erp_query"]
    arguments = '{"sql": "SELECT count(*) AS n FROM payments"}'
    with caplog.at_level(logging.INFO, logger="cogs.erp"), charged_to("erp-finance", key=KEY):
        assert (await tool.call(arguments)).splitlines()[-1] == "0"  # the project's database
    assert (await tool.call(arguments)).splitlines()[-1] == "1"  # nobody's: the default
    assert "erp query by erp-finance in test:C1: 1 row" in caplog.text
