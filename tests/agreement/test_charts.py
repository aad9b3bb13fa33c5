"""The progress chart: pure SVG, no database."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agreement.charts import ChartPoint, nice_ticks, progress_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def _chart(points=None, **kwargs) -> str:
    points = points or [
        ChartPoint("Round 1", brackets=12, agreed=1),
        ChartPoint("Round 2", brackets=7, agreed=3),
        ChartPoint("Now", brackets=4, agreed=5),
    ]
    return progress_chart_svg(points, title=kwargs.pop("title", "Progress"), **kwargs)


def test_chart_is_well_formed_and_accessible():
    root = ET.fromstring(_chart(title="Progress of the agreement"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Progress of the agreement"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert desc.text == (
        "Brackets remaining — Round 1: 12; Round 2: 7; Now: 4. "
        "Provisions agreed — Round 1: 1; Round 2: 3; Now: 5."
    )


def test_one_point_per_moment_in_each_series():
    svg = _chart()
    assert svg.count('class="point point-brackets"') == 3
    assert svg.count('class="point point-agreed"') == 3
    root = ET.fromstring(svg)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "x-label"]
    assert labels == ["Round 1", "Round 2", "Now"]


def test_axis_labels_and_legend_are_visible_text():
    texts = {t.text for t in ET.fromstring(_chart()).iter(f"{SVG}text")}
    assert {"Count", "Close of each round, then now"} <= texts
    assert {"Brackets remaining", "Provisions agreed"} <= texts


def test_series_differ_in_line_style_and_marker_shape_not_only_colour():
    root = ET.fromstring(_chart())
    series = {
        g.get("class"): g for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("series ")
    }
    brackets, agreed = series["series series-brackets"], series["series series-agreed"]
    assert brackets.find(f"{SVG}polyline").get("stroke-dasharray") is None
    assert agreed.find(f"{SVG}polyline").get("stroke-dasharray")
    assert brackets.findall(f"{SVG}circle") and not brackets.findall(f"{SVG}rect")
    assert agreed.findall(f"{SVG}rect") and not agreed.findall(f"{SVG}circle")


def test_higher_values_are_drawn_higher():
    root = ET.fromstring(_chart())
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle") if "point" in c.get("class", "")]
    assert ys[0] < ys[1] < ys[2]  # 12, 7, 4 brackets: falling line, rising y


def test_text_is_escaped():
    svg = progress_chart_svg(
        [ChartPoint('<script>alert("x")</script>', 1, 0)], title="A & B <i>", chart_id='c"1'
    )
    assert "<script>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;" in svg and "A &amp; B &lt;i&gt;" in svg
    ET.fromstring(svg)  # still well formed


def test_single_point_and_all_zero_figures():
    root = ET.fromstring(progress_chart_svg([ChartPoint("Now", 0, 0)], title="Empty"))
    assert root.find(f"{SVG}g[@class='series series-brackets']/{SVG}polyline") is None
    assert len([c for c in root.iter(f"{SVG}circle") if "point" in c.get("class", "")]) == 1


def test_no_points_is_an_error():
    with pytest.raises(ValueError, match="at least one point"):
        progress_chart_svg([], title="Nothing")


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (4, [0, 1, 2, 3, 4]),
        (12, [0, 5, 10, 15]),
        (48, [0, 10, 20, 30, 40, 50]),
    ],
)
def test_nice_ticks(maximum, ticks):
    assert nice_ticks(maximum) == ticks


@given(st.integers(min_value=0, max_value=100_000))
def test_ticks_cover_the_maximum_in_even_round_steps(maximum):
    ticks = nice_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert 2 <= len(ticks) <= 7
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    assert re.fullmatch(r"[125]0*", str(steps.pop()))
