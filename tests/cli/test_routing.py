"""`nova eval routing` as a user runs it: JSON, the table, the progress bar, errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.cli.test_main import assert_one_line_error, nova
from tests.clinc_sample import N_TRAIN, N_VAL, OOS_TRAIN, OOS_VAL, write_clinc
from tests.conftest import cli_env


@pytest.fixture(scope="module")
def clinc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clinc(tmp_path_factory.mktemp("clinc"))


async def test_cli_json_is_one_object_and_the_table_reads_well(clinc: Path, tmp_path: Path) -> None:
    args = ("eval", "routing", "--clinc", str(clinc), "--split", "val", "--level", "intent")
    as_json, as_table = await asyncio.gather(
        nova(tmp_path, *args, "--json", env=cli_env(tmp_path)),
        # A cache of its own, so the training examples are embedded and the bar is drawn.
        nova(tmp_path, *args, env=cli_env(tmp_path, NOVA_ROUTER_CACHE_DIR=str(tmp_path / "c"))),
    )
    assert as_json.code == 0, as_json.err
    assert as_json.out.count("\n") == 1
    data = json.loads(as_json.out)
    assert isinstance(data, dict)
    keys = {
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
        "p50_ms",
        "p99_ms",
        "n_in_scope",
        "n_oos",
        "backend",
    }
    assert keys <= set(data)
    assert (data["n_in_scope"], data["n_oos"]) == (N_VAL, len(OOS_VAL))
    assert data["in_scope_accuracy"] >= 0.75
    assert data["backend"].startswith("minilm")
    assert "embedding training examples" not in as_json.err

    assert as_table.code == 0, as_table.err
    lines = as_table.out.splitlines()
    assert lines[0].startswith("in-scope accuracy") and lines[0].endswith("%")
    assert any(line.startswith("out-of-scope recall") for line in lines)
    counts = next(line for line in lines if line.startswith("messages (in scope / out of scope)"))
    assert counts.endswith(f"  {N_VAL} / {len(OOS_VAL)}")
    assert "embedding training examples [" in as_table.err
    embedded = N_TRAIN + len(OOS_TRAIN)  # oos_train is learnt as requests nobody takes
    assert f"{embedded}/{embedded}" in as_table.err
    assert "embedding" not in as_table.out


async def test_cli_errors_are_one_line_and_exit_2(clinc: Path, tmp_path: Path) -> None:
    no_val = write_clinc(tmp_path / "no-val", val=None)
    missing = tmp_path / "nowhere.json"
    env = cli_env(tmp_path)
    lexical = cli_env(tmp_path, NOVA_ROUTER_BACKEND="lexical")
    routing = ("eval", "routing", "--clinc")
    no_file, no_split, zero_shots, lexical_backend = await asyncio.gather(
        nova(tmp_path, *routing, str(missing), env=env),
        nova(tmp_path, *routing, str(no_val), env=env),
        nova(tmp_path, *routing, str(clinc), "--shots", "0", env=env),
        nova(tmp_path, *routing, str(clinc), env=lexical),
    )
    assert_one_line_error(no_file, str(missing), "no such file")
    assert_one_line_error(no_split, str(no_val), "no val")
    assert_one_line_error(zero_shots, "--shots must be at least 1")
    assert_one_line_error(lexical_backend, "NOVA_ROUTER_BACKEND", "lexical", "minilm")


async def test_cli_scores_labelled_cases_against_the_shipped_agents(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"text": "translate 'thank you' into German", "agent": "translator"},
        {"text": "proofread: their going too the park", "agent": "proofreader"},
        {"text": "hi there!", "agent": "chat"},
        {"text": "summarise this article in three bullet points", "agent": "summarizer"},
        {"text": "book me a table for two at an italian restaurant tonight", "agent": None},
    ]
    cases.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(
        '{"text": "hello", "agent": "chat"}\n\n{"text": "a sonnet", "agent": "poet"}\n',
        encoding="utf-8",
    )
    env = cli_env(tmp_path)  # no LLM endpoint: measuring the router needs none
    scored, rejected = await asyncio.gather(
        nova(tmp_path, "eval", "routing", "--cases", str(cases), "--json", env=env),
        nova(tmp_path, "eval", "routing", "--cases", str(unknown), env=env),
    )
    assert scored.code == 0, scored.err
    data = json.loads(scored.out)
    assert (data["n_in_scope"], data["n_oos"]) == (4, 1)
    for key in ("in_scope_accuracy", "oos_recall", "oos_precision"):
        assert isinstance(data[key], float) and 0.0 <= data[key] <= 1.0, key
    # chat, code-reader, code-reviewer, erp-finance, erp-inventory, erp-purchasing,
    # erp-sales, erp-sql, extractor, ops, project, proofreader, rewriter, scheduler, scribe,
    # summarizer, translator; not the planner
    assert data["agents"] == 17
    assert data["in_scope_accuracy"] >= 0.75
    assert_one_line_error(rejected, f"{unknown}:3:", "no agent named 'poet'", "translator")
