"""A pipeline run's timeline, parsed as XML: rows, waves, colours and positions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from novabot.dashboard.timeline import GREY, STATUS_COLOURS, StepSpan, timeline_svg, waves
from novabot.pipeline.plan import PlanError

NS = {"svg": "http://www.w3.org/2000/svg"}
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(seconds=30)


def at(seconds: float | None) -> datetime | None:
    return None if seconds is None else T0 + timedelta(seconds=seconds)


def span(
    step_id: str,
    wave: int,
    status: str,
    start: float | None,
    end: float | None,
    *,
    agent: str = "chat",
    attempt: int = 1,
    tokens: int = 100,
) -> StepSpan:
    return StepSpan(step_id, agent, wave, status, at(start), at(end), attempt, tokens)


THREE_WAVES = [
    span("fetch", 0, "done", 0, 4),
    span("notes", 0, "done", 1, 3, agent="scribe"),
    span("draft", 1, "done", 5, 12, agent="summarizer", attempt=2),
    span("review", 2, "running", 13, None, agent="proofreader"),
    span("publish", 2, "pending", None, None),
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> dict[str, ET.Element]:
    found = root.iterfind(".//svg:rect[@data-step]", NS)
    return {rect.get("data-step", ""): rect for rect in found}


def x(rect: ET.Element) -> float:
    return float(rect.get("x", "nan"))


def right(rect: ET.Element) -> float:
    return x(rect) + float(rect.get("width", "nan"))


def test_every_step_is_one_bar_coloured_by_its_status() -> None:
    found = bars(parse(timeline_svg(THREE_WAVES, now=NOW)))
    assert sorted(found) == sorted(s.step_id for s in THREE_WAVES)
    assert {k: r.get("data-status") for k, r in found.items()} == {
        s.step_id: s.status for s in THREE_WAVES
    }
    assert found["fetch"].get("fill") == STATUS_COLOURS["done"] == "#2e7d32"
    assert found["review"].get("fill") == STATUS_COLOURS["running"]
    failed = bars(parse(timeline_svg([span("a", 0, "failed", 0, 2)], now=NOW)))["a"]
    assert failed.get("fill") == STATUS_COLOURS["failed"]
    greys = [span(s, 0, s, 0, 1) for s in ("skipped", "cancelled")]
    assert {r.get("fill") for r in bars(parse(timeline_svg(greys, now=NOW))).values()} == {GREY}


def test_bars_sit_on_one_time_axis_in_order_of_their_start() -> None:
    found = bars(parse(timeline_svg(THREE_WAVES, now=NOW)))
    started = sorted((s for s in THREE_WAVES if s.started_at), key=lambda s: s.started_at or T0)
    xs = [x(found[s.step_id]) for s in started]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    # fetch (0-4 s) is twice as long as notes (1-3 s)
    fetch, notes = found["fetch"], found["notes"]
    assert right(fetch) - x(fetch) == pytest.approx(2 * (right(notes) - x(notes)), abs=0.02)


def test_a_running_step_ends_at_now() -> None:
    root = parse(timeline_svg(THREE_WAVES, now=NOW))
    review = bars(root)["review"]
    now_line = root.find(".//svg:line[@class='now']", NS)
    assert now_line is not None
    assert right(review) == pytest.approx(float(now_line.get("x1", "nan")), abs=0.02)
    later = bars(parse(timeline_svg(THREE_WAVES, now=NOW + timedelta(seconds=30))))["review"]
    assert right(later) - x(later) > right(review) - x(review)


def test_a_three_wave_run_shows_three_wave_groups_with_their_steps() -> None:
    root = parse(timeline_svg(THREE_WAVES, now=NOW))
    groups = root.findall(".//svg:g[@class='wave']", NS)
    assert [g.get("data-wave") for g in groups] == ["0", "1", "2"]
    inside = [
        [r.get("data-step") for r in g.iterfind(".//svg:rect[@data-step]", NS)] for g in groups
    ]
    assert inside == [["fetch", "notes"], ["draft"], ["publish", "review"]]
    for group in groups:
        assert {r.get("data-wave") for r in group.iterfind(".//svg:rect[@data-step]", NS)} == {
            group.get("data-wave")
        }
    rows = [
        float(r.get("y", "nan")) for g in groups for r in g.iterfind(".//svg:rect[@data-step]", NS)
    ]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    assert "3 waves" in (root.get("aria-label") or "")


def test_a_step_never_started_is_hollow_and_a_retry_is_marked() -> None:
    root = parse(timeline_svg(THREE_WAVES, now=NOW))
    publish = bars(root)["publish"]
    assert publish.get("fill") == "none" and publish.get("stroke") == GREY
    retries = ["".join(t.itertext()) for t in root.iterfind(".//svg:text[@class='retry']", NS)]
    assert retries == ["×2"]
    tip = bars(root)["draft"].findtext("svg:title", namespaces=NS)
    assert tip == "draft · summarizer · done · 7.0 s · 100 tokens · attempt 2"


def test_the_time_axis_counts_seconds_from_the_first_start() -> None:
    root = parse(timeline_svg(THREE_WAVES, now=NOW))
    axis = root.find(".//svg:g[@class='time-axis']", NS)
    assert axis is not None
    labels = ["".join(t.itertext()) for t in axis.iterfind("svg:text", NS)]
    assert labels == ["0 s", "10 s", "20 s", "30 s"]
    zero = float(axis.findall("svg:line", NS)[0].get("x1", "nan"))
    assert x(bars(root)["fetch"]) == pytest.approx(zero, abs=0.01)


def test_names_from_users_are_escaped() -> None:
    evil = "<script>alert('x')</script>"
    svg = timeline_svg([span(evil, 0, "done", 0, 1, agent=evil)], now=NOW)
    assert "<script>" not in svg
    root = parse(svg)
    assert list(bars(root)) == [evil]
    assert any(evil in "".join(t.itertext()) for t in root.iterfind(".//svg:text", NS))


def test_no_steps_says_so_and_no_start_still_draws() -> None:
    empty = parse(timeline_svg([], now=NOW))
    assert "no steps yet" in ["".join(t.itertext()) for t in empty.iterfind(".//svg:text", NS)]
    assert empty.get("role") == "img"
    waiting = bars(parse(timeline_svg([span("a", 0, "pending", None, None)], now=NOW)))
    assert waiting["a"].get("fill") == "none"


def test_the_same_run_gives_the_same_bytes() -> None:
    assert timeline_svg(THREE_WAVES, now=NOW) == timeline_svg(list(reversed(THREE_WAVES)), now=NOW)


def test_waves_follow_the_longest_chain_of_dependencies() -> None:
    depends_on = {"a": [], "b": [], "c": ["a"], "d": ["a", "c"], "e": ["b"]}
    assert waves(depends_on) == {"a": 0, "b": 0, "c": 1, "e": 1, "d": 2}
    assert waves({}) == {}
    with pytest.raises(PlanError, match="cycle"):
        waves({"a": ["b"], "b": ["a"]})
