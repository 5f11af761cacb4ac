"""How `nova agents lint` shows its report: a column-aligned table, or a PNG heat map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from novabot.routing.quality.lint import LintError, LintReport

_STRAY_TEXT_WIDTH = 60


def format_report(report: LintReport) -> str:
    """The report as plain, column-aligned text for a terminal or a CI log."""
    sections = [_overlap_section(report), _stray_section(report), _problem_section(report)]
    return "\n\n".join([*(s for s in sections if s), _verdict(report)]) + "\n"


def _overlap_section(report: LintReport) -> str:
    pairs = report.overlapping_pairs()
    if not pairs:
        return "Scope overlap: no example lands nearer another agent than its own."
    rows = [
        [
            agent,
            "→",
            other,
            _percent(share),
            f"{_count(report, agent, share)}/{report.example_counts[agent]}",
        ]
        for agent, other, share in pairs
    ]
    title = (
        f"Scope overlap (examples nearer another agent; fails above {_percent(report.max_overlap)})"
    )
    header = ["agent", "", "nearer to", "overlap", "examples"]
    return title + "\n" + _table([header, *rows], right={3, 4})


def _count(report: LintReport, agent: str, share: float) -> int:
    return round(share * report.example_counts[agent])


def _stray_section(report: LintReport) -> str:
    if not report.strays:
        return ""
    rows = [
        [
            s.agent,
            _shorten(s.text),
            s.nearer,
            f"{s.own_similarity:.2f}",
            f"{s.other_similarity:.2f}",
        ]
        for s in report.strays
    ]
    header = ["agent", "example", "nearer to", "own", "other"]
    return "Stray examples\n" + _table([header, *rows], right={3, 4})


def _problem_section(report: LintReport) -> str:
    if not report.problems:
        return ""
    ordered = sorted(report.problems, key=lambda p: p.severity != "error")
    rows = [[p.severity, p.agent, p.message] for p in ordered]
    return "Card problems\n" + _table(rows, right=set())


def _verdict(report: LintReport) -> str:
    threshold = _percent(report.max_overlap)
    if not report.failed:
        warnings = len(report.problems)
        suffix = f" ({warnings} card warning{'s' * (warnings != 1)})" if warnings else ""
        return f"OK: no overlap above {threshold}{suffix}"
    reasons = []
    if failing := report.failing_pairs():
        agent, other, share = failing[0]
        reasons.append(
            f"{len(failing)} pair{'s' * (len(failing) != 1)} overlap above {threshold}"
            f" (worst {agent} → {other} {_percent(share)})"
        )
    if errors := report.errors():
        reasons.append(f"{len(errors)} card error{'s' * (len(errors) != 1)}")
    return "FAIL: " + "; ".join(reasons)


def _table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if column in right else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def _shorten(text: str, width: int = _STRAY_TEXT_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def draw_heatmap(report: LintReport, path: Path) -> None:
    """Write the overlap matrix as a PNG heat map, agents on both axes, values annotated."""
    try:
        # The top-level import comes first so a missing matplotlib is always noticed,
        # even when a submodule was imported earlier.
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise LintError(
            "drawing the heat map needs matplotlib: pip install 'novabot[plot]'"
        ) from None
    if not report.agents:
        raise LintError("there are no routable agents to draw")
    names = list(report.agents)
    matrix = np.array([[report.overlap[a][b] for b in names] for a in names])
    side = 2.0 + 0.8 * len(names)
    # A figure on its own Agg canvas, not pyplot: no global backend state is touched.
    figure = Figure(figsize=(side + 1.5, side), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap=matplotlib.colormaps["Reds"], vmin=0.0, vmax=1.0)
    axes.set_xticks(range(len(names)), labels=names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), labels=names)
    axes.set_xlabel("lands nearer to")
    axes.set_ylabel("examples of")
    axes.set_title(f"Scope overlap (fails above {_percent(report.max_overlap)})")
    _annotate(axes, matrix, report.max_overlap)
    figure.colorbar(image, ax=axes, label="share of examples")
    figure.savefig(path, format="png", dpi=120)


def _annotate(axes: Any, matrix: np.ndarray, max_overlap: float) -> None:
    for row, col in np.ndindex(matrix.shape):
        value = float(matrix[row, col])
        label = "—" if row == col else f"{value * 100:.0f}%"
        axes.text(
            col,
            row,
            label,
            ha="center",
            va="center",
            color="white" if value > 0.6 else "black",
            fontweight="bold" if value > max_overlap else "normal",
        )
