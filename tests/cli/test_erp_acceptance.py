"""The ERP agents end to end, as a newcomer would try them: `nova erp demo`, then a stock
question through `nova ask` with NOVA_ERP_DATABASE_URL set. The fake model asks for one
query; the query runs read-only on the demo database, and the answer shows it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.openai_server import Call, FakeOpenAI, Text, ToolCalls

ON_HAND = (
    "SELECT SUM(s.on_hand) AS on_hand FROM stock s JOIN products p ON p.id = s.product_id"
    " WHERE p.name = '600 mm gutter brush'"
)


async def test_a_stock_question_on_the_demo_database(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    env = cli_env(tmp_path, fake_openai)
    made = await nova(tmp_path, "erp", "demo", str(tmp_path / "erp.db"), env=env)
    assert made.code == 0, made.err
    with sqlite3.connect(tmp_path / "erp.db") as db:
        expected = db.execute(ON_HAND).fetchone()[0]
    assert expected > 0
    fake_openai.script(
        ToolCalls((Call("erp_query", {"sql": ON_HAND}),)), Text(f"We have {expected} in stock.")
    )
    env["NOVA_ERP_DATABASE_URL"] = str(tmp_path / "erp.db")
    asked = await nova(
        tmp_path, "ask", "how many 600 mm gutter brushes do we have in stock?", env=env
    )
    assert asked.code == 0, asked.err
    assert f"We have {expected} in stock." in asked.out
    assert "SUM(s.on_hand)" in asked.out  # the query, shown under the answer
    tool_result = str(fake_openai.requests[1].body["messages"][-1]["content"])
    assert str(expected) in tool_result  # the number came from the demo database
    why = await nova(tmp_path, "why", env=env)
    assert "erp-inventory" in why.out, why.out
