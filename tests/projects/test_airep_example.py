"""The README's worked example, as a newcomer would type it: the shipped airep project
imported, a question about a rule, the rule in the prompt, and `nova why` naming it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.test_main import nova
from tests.conftest import cli_env
from tests.fakes.openai_server import FakeOpenAI

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airep"


async def test_the_airep_example_brings_the_rule_into_the_prompt_and_why(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    env = cli_env(tmp_path, fake_openai)
    created = await nova(tmp_path, "project", "create", "airep", "--title", "AI sales rep", env=env)
    assert created.code == 0, created.err
    imported = await nova(
        tmp_path, "knowledge", "import", "--project", "airep", str(EXAMPLE), env=env
    )
    assert imported.code == 0 and "imported 12 items" in imported.out, imported.err
    question = "can the rep offer a 20 % discount without a manager?"
    asked = await nova(tmp_path, "ask", "--project", "airep", question, env=env)
    assert asked.code == 0, asked.err
    system = str(fake_openai.requests[-1].body["messages"][0]["content"])
    assert "Discounts above 15 % need a manager" in system
    assert "Customers on credit hold" not in system  # unrelated rules stay out
    why = await nova(tmp_path, "why", env=env)
    assert why.code == 0, why.err
    used = why.out.split("knowledge used:", 1)[1]
    rule = re.search(r"rule #(\d+) Discounts above 15 % need a manager", used)
    assert rule is not None, why.out
