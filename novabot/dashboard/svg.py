"""The few pieces every dashboard picture is built from: escaped text, elements, round
axis ticks and the `<svg>` document itself.

Pictures are plain strings inlined in server-rendered pages. Names in them (agents, steps,
days) come from users, so every piece of text and every attribute value goes through
`escape`; numbers are written with a fixed precision so the same data gives the same bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
MUTED = "#666666"
GRID = "#e0e0e0"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry at all, even escaped: dropped."""
_STEPS = (1.0, 2.0, 2.5, 5.0)


def escape(text: object) -> str:
    """`text` safe inside an element or a double-quoted attribute."""
    clean = _NOT_XML.sub("", str(text))
    return (
        clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def num(value: float) -> str:
    """A coordinate or value with at most two decimals, without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def element(tag: str, attrs: Mapping[str, object], content: str = "") -> str:
    """`<tag a="…">content</tag>`; float attributes are written with `num`, None ones left out.

    `content` is markup, already escaped by whoever built it.
    """
    parts = [tag]
    for name, value in attrs.items():
        if value is None:
            continue
        shown = num(value) if isinstance(value, float) else escape(value)
        parts.append(f'{name}="{shown}"')
    opening = " ".join(parts)
    return f"<{opening}>{content}</{tag}>" if content else f"<{opening}/>"


def text(x: float, y: float, words: str, **attrs: object) -> str:
    """A `<text>` at (x, y); `words` are escaped here. Attribute names use `_` for `-`
    (`class_` for `class`)."""
    named = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}
    return element("text", {"x": x, "y": y, **named}, escape(words))


def tooltip(words: str) -> str:
    """The `<title>` child a browser shows on hover."""
    return f"<title>{escape(words)}</title>"


def nice_ticks(top: float) -> list[float]:
    """3 to 5 round values from 0 that reach at least `top` (> 0): steps of 1, 2, 2.5 or 5
    times a power of ten, the smallest that needs at most 4 of them."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    exponent = math.floor(math.log10(top / 4))
    for power in (exponent, exponent + 1):
        for base in _STEPS:
            step = base * 10.0**power
            count = math.ceil(top / step - 1e-9)
            if count <= 4:
                return [round(i * step, 10) for i in range(count + 1)]
    raise AssertionError("unreachable: a step of 10**(exponent+1) always fits")


def svg_document(width: float, height: float, label: str, body: str) -> str:
    """The picture, described for screen readers by `label`."""
    attrs = {
        "xmlns": "http://www.w3.org/2000/svg",
        "width": float(width),
        "height": float(height),
        "viewBox": f"0 0 {num(width)} {num(height)}",
        "role": "img",
        "aria-label": label,
        "font-family": FONT,
        "font-size": "12",
    }
    return element("svg", attrs, tooltip(label) + body)


def no_data(
    label: str, message: str = "no data yet", width: float = 480, height: float = 120
) -> str:
    """An empty picture that says so, at the size of a small chart."""
    frame = element(
        "rect",
        {"x": 0.5, "y": 0.5, "width": width - 1, "height": height - 1, "fill": "#fafafa"}
        | {"stroke": GRID},
    )
    words = text(width / 2, height / 2, message, text_anchor="middle", fill=MUTED, class_="empty")
    return svg_document(width, height, f"{label}: {message}", frame + words)
