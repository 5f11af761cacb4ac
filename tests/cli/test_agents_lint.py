"""`nova agents lint` as a user runs it: exit codes, the report, JSON and the heat map."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.cli.test_main import Result, assert_one_line_error, nova
from tests.conftest import cli_env

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Two cards that describe the same job in different words: the lint must catch them.
FLIGHTS = """\
---
name: flights
description: Books flights and plane tickets for your trips.
does:
  - Finds and books flights between any two airports
  - Changes or cancels flight bookings
does_not:
  - Book hotels or rental cars
examples:
  - book me a flight to Paris on Friday
  - find a cheap flight from Boston to Denver
  - I need a plane ticket to Tokyo next week
  - reserve a seat on the morning flight to Rome
  - get me a return flight to Lisbon
---
You book flights for the user.
"""
AIRFARE = """\
---
name: airfare
description: Buys airline tickets and finds the best airfare for a journey.
does:
  - Searches airfares and buys plane tickets
  - Compares airlines and flight times
does_not:
  - Plan what to do at the destination
examples:
  - buy me a plane ticket to Paris for Friday
  - find the cheapest airfare from Boston to Denver
  - book a flight to Tokyo for next week
  - get me a seat on an early flight to Rome
  - I want a round trip flight to Lisbon
---
You buy airline tickets for the user.
"""


def overlapping_cards(tmp_path: Path) -> Path:
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "flights.md").write_text(FLIGHTS, encoding="utf-8")
    (folder / "airfare.md").write_text(AIRFARE, encoding="utf-8")
    return folder


def no_traceback(result: Result) -> bool:
    return "Traceback" not in result.err


async def test_the_shipped_cards_pass_in_text_and_json(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    text, as_json = await asyncio.gather(
        nova(tmp_path, "agents", "lint", env=env),
        nova(tmp_path, "agents", "lint", "--json", env=env),
    )
    assert text.code == 0, text.out + text.err
    assert text.out.splitlines()[-1].startswith("OK: no overlap above 20 %")
    assert no_traceback(text)

    assert as_json.code == 0, as_json.out + as_json.err
    report = json.loads(as_json.out)
    assert report["failed"] is False
    agents = set(report["agents"])
    assert {"chat", "translator", "summarizer", "proofreader"} <= agents
    assert "planner" not in agents  # not routable, so not linted
    assert set(report["overlap"]) == agents
    assert all(report["overlap"][a][a] == 0 for a in agents)
    # Room below the 20 % gate, so a CPU whose kernels round differently cannot fail it.
    assert max(share for row in report["overlap"].values() for share in row.values()) <= 0.15


async def test_overlapping_cards_fail_and_name_the_pair(tmp_path: Path) -> None:
    env = cli_env(tmp_path, NOVA_PROMPTS_DIR=str(overlapping_cards(tmp_path)))
    text, as_json = await asyncio.gather(
        nova(tmp_path, "agents", "lint", env=env),
        nova(tmp_path, "agents", "lint", "--json", env=env),
    )
    assert text.code == 1, text.out + text.err
    verdict = text.out.splitlines()[-1]
    assert verdict.startswith("FAIL: ")
    assert "flights → airfare" in verdict or "airfare → flights" in verdict
    pair_rows = [line.split() for line in text.out.splitlines() if "→" in line]
    assert ["flights", "→", "airfare"] in [row[:3] for row in pair_rows]
    assert ["airfare", "→", "flights"] in [row[:3] for row in pair_rows]
    assert no_traceback(text)

    assert as_json.code == 1, as_json.err
    report = json.loads(as_json.out)
    assert report["failed"] is True
    assert report["max_overlap"] == 0.2
    assert {"flights", "airfare", "chat", "translator"} <= set(report["agents"])
    assert report["overlap"]["flights"]["airfare"] > 0.2
    assert report["overlap"]["airfare"]["flights"] > 0.2
    assert report["example_counts"]["flights"] == report["example_counts"]["airfare"] == 5
    strays = {(s["agent"], s["nearer"]) for s in report["strays"]}
    assert {("flights", "airfare"), ("airfare", "flights")} <= strays


async def test_png_writes_the_heat_map(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "out.png"
    # --max-overlap 1: the heat map is under test here, not whether the cards pass.
    args = ("agents", "lint", "--max-overlap", "1", "--png", str(png))
    result = await nova(tmp_path, *args, env=cli_env(tmp_path))
    assert result.code == 0, result.out + result.err
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert result.out.splitlines()[-1] == f"heat map written to {png}"


async def test_png_without_matplotlib_exits_2_with_the_install_hint(tmp_path: Path) -> None:
    # A package on PYTHONPATH that fails to import stands in for a missing matplotlib.
    blocker = tmp_path / "no-matplotlib" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib is not installed')\n")
    env = cli_env(tmp_path, PYTHONPATH=str(blocker.parent))
    png = tmp_path / "out.png"
    result = await nova(tmp_path, "agents", "lint", "--png", str(png), env=env)
    assert_one_line_error(result, "pip install 'novabot[plot]'")
    assert not png.exists()
