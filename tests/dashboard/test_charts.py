"""The dashboard's charts, parsed as XML: what a browser would draw and announce."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from novabot.dashboard.charts import bar_chart, heat_colour, heat_map, series_colour, tick_label
from novabot.dashboard.svg import nice_ticks

NS = {"svg": "http://www.w3.org/2000/svg"}
DAYS = ["2026-11-27", "2026-11-28", "2026-11-29"]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iterfind(".//svg:text", NS)]


def series_group(root: ET.Element, name: str) -> ET.Element:
    found = [
        g for g in root.iterfind(".//svg:g[@class='series']", NS) if g.get("data-series") == name
    ]
    assert len(found) == 1, name
    return found[0]


def test_bar_chart_draws_one_segment_per_nonzero_value_in_its_series_colour() -> None:
    series = {"chat": [12.0, 3.0, 0.0], "translator": [1.0, 0.0, 4.0]}
    root = parse(bar_chart(DAYS, series, title="Messages per day", unit="messages"))
    chat = series_group(root, "chat").findall("svg:rect", NS)
    translator = series_group(root, "translator").findall("svg:rect", NS)
    assert [r.get("data-label") for r in chat] == ["2026-11-27", "2026-11-28"]
    assert [r.get("data-label") for r in translator] == ["2026-11-27", "2026-11-29"]
    assert {r.get("fill") for r in chat} == {series_colour(0)}
    assert {r.get("fill") for r in translator} == {series_colour(1)} != {series_colour(0)}
    tips = [r.findtext("svg:title", namespaces=NS) for r in chat]
    assert tips == ["chat · 2026-11-27: 12 messages", "chat · 2026-11-28: 3 messages"]


def test_bar_chart_stacks_segments_and_scales_them_to_their_values() -> None:
    root = parse(bar_chart(DAYS[:1], {"a": [12.0], "b": [6.0]}, title="t"))
    (a,) = series_group(root, "a").findall("svg:rect", NS)
    (b,) = series_group(root, "b").findall("svg:rect", NS)
    a_h, b_h = float(a.get("height", "0")), float(b.get("height", "0"))
    assert a_h == pytest.approx(2 * b_h, rel=0.01)
    assert float(b.get("y", "0")) + b_h == pytest.approx(float(a.get("y", "0")), abs=0.02)
    assert a.get("x") == b.get("x")


def test_bar_chart_has_a_legend_round_ticks_and_an_accessible_name() -> None:
    root = parse(bar_chart(DAYS, {"chat": [12.0, 3.0, 7.0], "ops": [1, 1, 1]}, title="Messages"))
    assert root.get("role") == "img"
    assert (root.get("aria-label") or "").startswith("Messages")
    legend = root.find(".//svg:g[@class='legend']", NS)
    assert legend is not None
    assert ["".join(t.itertext()) for t in legend.iterfind("svg:text", NS)] == ["chat", "ops"]
    axis = root.find(".//svg:g[@class='y-axis']", NS)
    assert axis is not None
    assert texts(axis) == ["0", "5", "10", "15"]
    assert [t for t in texts(root) if t.startswith("2026-")] == DAYS


def test_bar_chart_without_data_says_so() -> None:
    for labels, series in (([], {}), (DAYS, {}), (DAYS, {"chat": [0.0, 0.0, 0.0]})):
        root = parse(bar_chart(labels, series, title="Messages"))
        assert "Messages: no data yet" in texts(root)
        assert root.find(".//svg:g[@class='series']", NS) is None
        assert root.get("role") == "img" and "no data yet" in (root.get("aria-label") or "")


def test_bar_chart_refuses_series_that_do_not_fit_the_labels() -> None:
    with pytest.raises(ValueError, match="'chat' has 2 values for 3 labels"):
        bar_chart(DAYS, {"chat": [1.0, 2.0]}, title="t")
    with pytest.raises(ValueError, match="negative"):
        bar_chart(DAYS, {"chat": [1.0, -2.0, 0.0]}, title="t")


def test_user_text_is_escaped_everywhere() -> None:
    evil = '<script>alert("x")</script>&'
    svg = bar_chart([evil], {evil: [1.0]}, title=evil, unit=evil)
    assert "<script>" not in svg
    root = parse(svg)
    assert series_group(root, evil).get("data-series") == evil
    assert root.get("aria-label", "").startswith(evil)
    assert evil in texts(root)
    heat = heat_map([evil, "chat"], {evil: {"chat": 0.5}}, threshold=0.2)
    assert "<script>" not in heat
    assert evil in texts(parse(heat))


def test_the_same_data_gives_the_same_bytes() -> None:
    series = {"chat": [1.5, 2.25, 3.0]}
    assert bar_chart(DAYS, series, title="t") == bar_chart(DAYS, series, title="t")
    overlap = {"a": {"b": 0.3}, "b": {"a": 0.1}}
    assert heat_map(["a", "b"], overlap, threshold=0.2) == heat_map(
        ["a", "b"], overlap, threshold=0.2
    )


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (12, [0, 5, 10, 15]),
        (1, [0, 0.25, 0.5, 0.75, 1]),
        (100, [0, 25, 50, 75, 100]),
        (3, [0, 1, 2, 3]),
        (7.2, [0, 2, 4, 6, 8]),
        (9, [0, 2.5, 5, 7.5, 10]),
        (0.04, [0, 0.01, 0.02, 0.03, 0.04]),
    ],
)
def test_ticks_are_three_to_five_round_values_reaching_the_top(
    top: float, ticks: list[float]
) -> None:
    assert nice_ticks(top) == ticks


# -- the heat map ----------------------------------------------------------------------------


def cells(root: ET.Element) -> dict[tuple[str, str], ET.Element]:
    found = root.iterfind(".//svg:g[@class='cells']/svg:rect", NS)
    return {(r.get("data-row", ""), r.get("data-column", "")): r for r in found}


def test_heat_map_colours_cells_by_value_and_outlines_those_above_the_threshold() -> None:
    names = ["chat", "ops", "translator"]
    overlap = {"chat": {"ops": 0.25, "translator": 0.0}, "ops": {"chat": 0.1}, "translator": {}}
    root = parse(heat_map(names, overlap, threshold=0.2))
    grid = cells(root)
    assert len(grid) == 9
    assert [k for k, r in grid.items() if r.get("class") == "diagonal"] == [(n, n) for n in names]
    over = [k for k, r in grid.items() if "over" in (r.get("class") or "").split()]
    assert over == [("chat", "ops")]
    assert grid[("chat", "ops")].get("stroke") == "#000000"
    assert grid[("chat", "translator")].get("fill") == "#ffffff" == heat_colour(0.0)
    assert grid[("chat", "ops")].get("fill") == heat_colour(0.25) != heat_colour(0.1)
    drawn = root.find(".//svg:g[@class='cells']", NS)
    assert drawn is not None
    assert texts(drawn) == ["25%", "10%"]  # only non-zero cells, row by row
    tip = grid[("chat", "ops")].findtext("svg:title", namespaces=NS)
    assert tip == "chat → ops: 25 % of chat's examples land nearer ops"


def test_heat_map_names_both_axes_with_rotated_columns() -> None:
    root = parse(heat_map(["chat", "ops"], {}, threshold=0.2))
    names = root.find(".//svg:g[@class='names']", NS)
    assert names is not None
    columns = names.findall("svg:text[@class='column']", NS)
    assert ["".join(c.itertext()) for c in columns] == ["chat", "ops"]
    assert all("rotate(-45" in (c.get("transform") or "") for c in columns)
    assert texts(names).count("chat") == 2


def test_heat_colour_runs_from_white_to_red() -> None:
    assert heat_colour(0.0) == "#ffffff"
    assert heat_colour(1.0) == heat_colour(3.0) == "#a50f15"
    reds = [int(heat_colour(v)[3:5], 16) for v in (0.0, 0.3, 0.6, 0.9)]
    assert reds == sorted(reds, reverse=True)


def test_heat_map_without_agents_says_so() -> None:
    root = parse(heat_map([], {}, threshold=0.2))
    assert "no agents yet" in texts(root)
    assert root.get("role") == "img"


def test_an_empty_chart_keeps_its_title() -> None:
    root = parse(bar_chart(DAYS, {}, title="Errors"))
    assert "Errors: no data yet" in texts(root)


@pytest.mark.parametrize(
    ("top", "labels"),
    [
        (0.00017, ["0.00000", "0.00005", "0.00010", "0.00015", "0.00020"]),
        (0.9, ["0.00", "0.25", "0.50", "0.75", "1.00"]),
        (1600, ["0", "500", "1,000", "1,500", "2,000"]),
    ],
)
def test_tick_labels_have_the_decimals_their_step_needs(top: float, labels: list[str]) -> None:
    ticks = nice_ticks(top)
    assert [tick_label(value, ticks[1] - ticks[0]) for value in ticks] == labels


def test_counts_step_by_whole_numbers() -> None:
    root = parse(bar_chart(DAYS, {"chat": [1.0, 2.0, 0.0]}, title="Messages", counts=True))
    assert {"0", "1", "2", "3", "4"} <= set(texts(root))
    assert "0.5" not in texts(root)
