"""Server-rendered SVG charts for the agreement pages. Pure logic: no Django, no requests.

The progress chart draws two series across the closes of the rounds and "now": brackets
remaining and provisions agreed. The series differ in line style and marker shape as well as in
colour, and every figure is also written in the chart's `<desc>` (and, on the page, in a table).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colours reach at least 4.5:1 against white.
BRACKETS_COLOUR = "#8a4b00"
AGREED_COLOUR = "#1d6b35"
INK = "#1b2430"
MUTED = "#4f5b67"
GRID = "#d5dbe1"


@dataclass(frozen=True)
class ChartPoint:
    """One moment on the chart: the close of a round, or now."""

    label: str
    brackets: int
    agreed: int


@dataclass(frozen=True)
class _Box:
    """The plotting area inside the SVG, in SVG units."""

    left: int
    top: int
    right: int
    bottom: int


def nice_ticks(maximum: int, *, at_most: int = 6) -> list[int]:
    """Whole-number axis ticks from 0 to a round figure at or above `maximum` (1, 2 or 5 × 10ⁿ steps)."""
    if maximum <= 0:
        return [0, 1]
    rough = maximum / (at_most - 1)
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


def _x_positions(count: int, box: _Box) -> list[float]:
    # Keep the first and last points clear of the axis and the edge, where their labels go.
    inset = 40
    if count == 1:
        return [(box.left + box.right) / 2]
    gap = (box.right - box.left - 2 * inset) / (count - 1)
    return [box.left + inset + i * gap for i in range(count)]


def _y(value: int, top_tick: int, box: _Box) -> float:
    return box.bottom - (value / top_tick) * (box.bottom - box.top)


def _describe(points: Sequence[ChartPoint]) -> str:
    brackets = "; ".join(f"{p.label}: {p.brackets}" for p in points)
    agreed = "; ".join(f"{p.label}: {p.agreed}" for p in points)
    return f"Brackets remaining — {brackets}. Provisions agreed — {agreed}."


def _marker(shape: str, x: float, y: float, colour: str, tooltip: str) -> str:
    title = f"<title>{escape(tooltip)}</title>"
    if shape == "square":
        return (
            f'<rect class="point point-agreed" x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" '
            f'height="9" fill="{colour}">{title}</rect>'
        )
    return (
        f'<circle class="point point-brackets" cx="{x:.1f}" cy="{y:.1f}" r="5" '
        f'fill="{colour}">{title}</circle>'
    )


def _series(
    name: str,
    values: list[int],
    labels: list[str],
    xs: list[float],
    top_tick: int,
    box: _Box,
    *,
    colour: str,
    dashed: bool,
    shape: str,
    noun: str,
    label_above: bool,
) -> str:
    ys = [_y(v, top_tick, box) for v in values]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    dash = ' stroke-dasharray="7 5"' if dashed else ""
    parts = [f'<g class="series series-{name}">']
    if len(values) > 1:
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>'
        )
    for x, y, value, label in zip(xs, ys, values, labels, strict=True):
        parts.append(_marker(shape, x, y, colour, f"{label}: {value} {noun}"))
        # Brackets are labelled above their point, agreed provisions to the right of theirs,
        # so the two never overlap, even where the lines meet.
        dx, dy, anchor = (0, -11, "middle") if label_above else (10, 4.5, "start")
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" font-size="13" '
            f'font-weight="700" fill="{colour}" stroke="#fff" stroke-width="4" '
            f'paint-order="stroke">{value}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _legend(x: int, y: int) -> str:
    return (
        f'<g class="legend" transform="translate({x},{y})" font-size="13" fill="{INK}">'
        f'<line x1="0" y1="0" x2="28" y2="0" stroke="{BRACKETS_COLOUR}" stroke-width="2.5"/>'
        f'<circle cx="14" cy="0" r="5" fill="{BRACKETS_COLOUR}"/>'
        f'<text x="36" y="4.5">Brackets remaining</text>'
        f'<line x1="190" y1="0" x2="218" y2="0" stroke="{AGREED_COLOUR}" stroke-width="2.5" '
        f'stroke-dasharray="7 5"/>'
        f'<rect x="199.5" y="-4.5" width="9" height="9" fill="{AGREED_COLOUR}"/>'
        f'<text x="226" y="4.5">Provisions agreed</text>'
        "</g>"
    )


def progress_chart_svg(
    points: Sequence[ChartPoint],
    *,
    title: str,
    chart_id: str = "progress-chart",
    width: int = 760,
    height: int = 300,
) -> str:
    """An accessible line chart of brackets remaining and provisions agreed, one point per moment.

    Every piece of text is escaped; the result is safe to insert into a page as it is.
    """
    if not points:
        raise ValueError("A progress chart needs at least one point (now).")
    box = _Box(left=64, top=44, right=width - 32, bottom=height - 58)
    ticks = nice_ticks(max(max(p.brackets, p.agreed) for p in points))
    top_tick = ticks[-1]
    xs = _x_positions(len(points), box)
    labels = [p.label for p in points]
    safe_id = escape(chart_id)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" id="{safe_id}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{safe_id}-title {safe_id}-desc" font-family="system-ui, sans-serif">',
        f'<title id="{safe_id}-title">{escape(title)}</title>',
        f'<desc id="{safe_id}-desc">{escape(_describe(points))}</desc>',
        f'<g class="grid" font-size="12" fill="{MUTED}">',
    ]
    for tick in ticks:
        y = _y(tick, top_tick, box)
        parts.append(
            f'<line x1="{box.left}" y1="{y:.1f}" x2="{box.right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{box.left - 8}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    parts.append("</g>")
    parts.append(
        f'<line class="axis" x1="{box.left}" y1="{box.bottom}" x2="{box.right}" y2="{box.bottom}" '
        f'stroke="{MUTED}" stroke-width="1.5"/>'
    )
    for x, label in zip(xs, labels, strict=True):
        parts.append(
            f'<text class="x-label" x="{x:.1f}" y="{box.bottom + 20}" text-anchor="middle" '
            f'font-size="13" fill="{INK}">{escape(label)}</text>'
        )
    middle = (box.top + box.bottom) / 2
    parts.append(
        f'<text class="axis-label" transform="translate(16,{middle:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-size="13" fill="{MUTED}">Count</text>'
        f'<text class="axis-label" x="{(box.left + box.right) / 2:.1f}" y="{height - 10}" '
        f'text-anchor="middle" font-size="13" fill="{MUTED}">Close of each round, then now</text>'
    )
    parts.append(
        _series(
            "brackets",
            [p.brackets for p in points],
            labels,
            xs,
            top_tick,
            box,
            colour=BRACKETS_COLOUR,
            dashed=False,
            shape="circle",
            noun="brackets remaining",
            label_above=True,
        )
    )
    parts.append(
        _series(
            "agreed",
            [p.agreed for p in points],
            labels,
            xs,
            top_tick,
            box,
            colour=AGREED_COLOUR,
            dashed=True,
            shape="square",
            noun="provisions agreed",
            label_above=False,
        )
    )
    parts.append(_legend(box.left, 18))
    parts.append("</svg>")
    return "".join(parts)
