"""The dashboard's charts, as inline SVG: stacked bars per day, and the agents' scope
overlap as a heat map (the picture `nova agents lint --heatmap` draws as a PNG).

Both are pure functions of their data: no I/O, no randomness, so a page renders the
same bytes for the same numbers and tests can parse what they get.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from novabot.dashboard.svg import (
    GRID,
    MUTED,
    element,
    nice_ticks,
    no_data,
    num,
    svg_document,
    text,
    tooltip,
)

PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
"""One colour per series, in the order the series are given (Tableau 10)."""
CHAR_W = 7.0
"""About how wide one character of 12 px text is: enough to reserve room for labels."""
LONG_NAME = 28
"""Names longer than this are shortened on the axes (the tooltips keep them whole)."""


def shorten(name: str) -> str:
    return name if len(name) <= LONG_NAME else name[: LONG_NAME - 1] + "…"


def series_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


# -- stacked bars --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plot:
    """The area the bars stand in, and the value at its top."""

    left: float
    top: float
    width: float
    height: float
    top_value: float

    def y(self, value: float) -> float:
        return self.top + self.height * (1 - value / self.top_value)

    @property
    def bottom(self) -> float:
        return self.top + self.height


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    unit: str = "",
    counts: bool = False,
) -> str:
    """One stacked bar per label (a day), one colour per series (an agent), a legend and a
    y axis of round ticks; each segment's tooltip reads "chat · 2026-11-28: 12 messages".

    Every series has one value per label; values are counts or amounts, never negative.
    Zero values draw nothing. No labels, no series, or only zeros: a chart that says
    "no data yet". With `counts`, the axis steps by whole numbers.
    """
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series '{name}' has {len(values)} values for {len(labels)} labels")
        if any(value < 0 for value in values):
            raise ValueError(f"series '{name}' has a negative value")
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    if not totals or max(totals) <= 0:
        return no_data(title, f"{title}: no data yet")
    # Counts step by whole numbers: an axis of messages has no 0.5.
    ticks = nice_ticks(max(max(totals), 4.0) if counts else max(totals))
    rotate = len(labels) > 8 or max(len(label) for label in labels) * CHAR_W > 64
    bottom_room = 12 + (
        max(len(shorten(label)) for label in labels) * CHAR_W * 0.72 if rotate else 16
    )
    slot = min(64.0, max(16.0, 640 / len(labels)))
    plot = _Plot(56, 40, slot * len(labels), 220, ticks[-1])
    legend_x = plot.left + plot.width + 24
    legend_w = 28 + CHAR_W * max(len(shorten(name)) for name in series)
    width = legend_x + legend_w + 8
    height = plot.bottom + bottom_room + 8
    body = "".join(
        [
            text(plot.left, 22, title, font_size="14", font_weight="600", class_="chart-title"),
            _y_axis(plot, ticks, unit),
            _bars(plot, slot, labels, series, unit),
            _x_labels(plot, slot, labels, rotate),
            _legend(legend_x, plot.top, list(series)),
        ]
    )
    label = f"{title}: stacked bars of {len(series)} series over {len(labels)} labels"
    return svg_document(width, height, label, body)


def _y_axis(plot: _Plot, ticks: list[float], unit: str) -> str:
    parts = []
    for value in ticks:
        y = plot.y(value)
        line = {"x1": plot.left, "x2": plot.left + plot.width, "y1": y, "y2": y, "stroke": GRID}
        parts.append(element("line", line))
        label = tick_label(value, ticks[1] - ticks[0])
        parts.append(text(plot.left - 6, y + 4, label, text_anchor="end", fill=MUTED))
    if unit:
        parts.append(text(8, plot.top - 8, unit, fill=MUTED, class_="unit"))
    return element("g", {"class": "y-axis"}, "".join(parts))


def tick_label(value: float, step: float) -> str:
    """A tick's value with as many decimals as the step needs (a cost axis in steps of
    0.00005 reads 0.00005, 0.00010, …, not 0, 0, …)."""
    decimals = next(d for d in range(12) if abs(step * 10**d - round(step * 10**d)) < 1e-6)
    return f"{value:,.{decimals}f}"


def _bars(
    plot: _Plot,
    slot: float,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    unit: str,
) -> str:
    parts = []
    bar_w = slot * 0.7
    for index, (name, values) in enumerate(series.items()):
        segments = []
        for position, (label, value) in enumerate(zip(labels, values, strict=True)):
            if value <= 0:
                continue
            below = sum(other[position] for other in list(series.values())[:index])
            top, bottom = plot.y(below + value), plot.y(below)
            words = f"{name} · {label}: {num(value)} {unit}".rstrip()
            rect = {
                "x": plot.left + slot * position + (slot - bar_w) / 2,
                "y": top,
                "width": bar_w,
                "height": bottom - top,
                "fill": series_colour(index),
                "data-label": label,
            }
            segments.append(element("rect", rect, tooltip(words)))
        group = {"class": "series", "data-series": name, "fill": series_colour(index)}
        parts.append(element("g", group, "".join(segments)))
    return "".join(parts)


def _x_labels(plot: _Plot, slot: float, labels: Sequence[str], rotate: bool) -> str:
    parts = []
    for position, label in enumerate(labels):
        x = plot.left + slot * position + slot / 2
        y = plot.bottom + 16
        if rotate:
            turn = f"rotate(-45 {num(x)} {num(y)})"
            parts.append(text(x, y, shorten(label), text_anchor="end", transform=turn))
        else:
            parts.append(text(x, y, shorten(label), text_anchor="middle"))
    axis = {"x1": plot.left, "x2": plot.left + plot.width, "y1": plot.bottom, "y2": plot.bottom}
    return element(
        "g", {"class": "x-axis"}, element("line", axis | {"stroke": MUTED}) + "".join(parts)
    )


def _legend(x: float, y: float, names: list[str]) -> str:
    parts = []
    for index, name in enumerate(names):
        row = y + 20 * index
        swatch = {"x": x, "y": row, "width": 12.0, "height": 12.0, "fill": series_colour(index)}
        parts.append(element("rect", swatch, tooltip(name)))
        parts.append(text(x + 18, row + 10, shorten(name)))
    return element("g", {"class": "legend"}, "".join(parts))


# -- the overlap heat map ------------------------------------------------------------------

CELL = 40.0


def heat_colour(share: float) -> str:
    """White at 0, deep red at 1 (as matplotlib's "Reds" ends), straight between."""
    share = min(1.0, max(0.0, share))
    low, high = (255, 255, 255), (165, 15, 21)
    r, g, b = (round(a + (z - a) * share) for a, z in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(
    names: Sequence[str], overlap: Mapping[str, Mapping[str, float]], *, threshold: float
) -> str:
    """The scope-overlap matrix: row a, column b holds the share of a's examples nearer
    b than a (see `LintReport.overlap`). Cells above `threshold` are outlined; the
    diagonal is left empty; a missing value counts as 0."""
    title = f"Scope overlap (outlined above {threshold * 100:.0f} %)"
    if not names:
        return no_data(title, "no agents yet")
    label_w = 12 + CHAR_W * max(len(shorten(name)) for name in names)
    left, top = label_w + 24, 40 + label_w * 0.72
    side = CELL * len(names)
    cells = "".join(
        _cell(left, top, row, column, names, overlap, threshold)
        for row in range(len(names))
        for column in range(len(names))
    )
    body = "".join(
        [
            text(8, 22, title, font_size="14", font_weight="600", class_="chart-title"),
            _axis_names(left, top, names),
            element("g", {"class": "cells"}, cells),
            text(8, top - 8, "examples of ↓", fill=MUTED),
            text(left + side, top + side + 20, "lands nearer to →", text_anchor="end", fill=MUTED),
            _scale(left, top + side + 36),
        ]
    )
    width = max(left + side + 16, left + 5 * 44 + 16)
    label = f"{title}: {len(names)} agents"
    return svg_document(width, top + side + 72, label, body)


def _cell(
    left: float,
    top: float,
    row: int,
    column: int,
    names: Sequence[str],
    overlap: Mapping[str, Mapping[str, float]],
    threshold: float,
) -> str:
    a, b = names[row], names[column]
    box: dict[str, object] = {
        "x": left + CELL * column,
        "y": top + CELL * row,
        "width": CELL,
        "height": CELL,
    }
    where = {"data-row": a, "data-column": b}
    if row == column:
        return element("rect", box | where | {"class": "diagonal", "fill": "#f5f5f5"})
    share = overlap.get(a, {}).get(b, 0.0)
    over = share > threshold
    rect = box | where | {"class": "cell over" if over else "cell", "fill": heat_colour(share)}
    rect |= {"stroke": "#000000", "stroke-width": "2"} if over else {"stroke": GRID}
    words = f"{a} → {b}: {share * 100:.0f} % of {a}'s examples land nearer {b}"
    parts = [element("rect", rect, tooltip(words))]
    if share > 0:
        colour = "#ffffff" if share > 0.6 else "#222222"
        x, y = left + CELL * column + CELL / 2, top + CELL * row + CELL / 2 + 4
        weight = "700" if over else None
        parts.append(
            text(x, y, f"{share * 100:.0f}%", text_anchor="middle", fill=colour, font_weight=weight)
        )
    return "".join(parts)


def _axis_names(left: float, top: float, names: Sequence[str]) -> str:
    parts = []
    for index, name in enumerate(names):
        middle = CELL * index + CELL / 2
        parts.append(text(left - 8, top + middle + 4, shorten(name), text_anchor="end"))
        x, y = left + middle, top - 8
        turn = f"rotate(-45 {num(x)} {num(y)})"
        parts.append(text(x, y, shorten(name), transform=turn, class_="column"))
    return element("g", {"class": "names"}, "".join(parts))


def _scale(x: float, y: float) -> str:
    """Five swatches, 0 to 100 %: how to read the colours."""
    parts = []
    for step in range(5):
        share = step / 4
        left = x + 44 * step
        swatch = {"x": left, "y": y, "width": 40.0, "height": 12.0, "fill": heat_colour(share)}
        parts.append(element("rect", swatch | {"stroke": GRID}))
        parts.append(text(left + 20, y + 26, f"{share * 100:.0f}%", text_anchor="middle"))
    return element("g", {"class": "scale"}, "".join(parts))
