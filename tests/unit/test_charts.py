"""The statistics page's SVG bar charts: scales, empty data, long labels."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from services.api.web.charts import LABEL_WIDTH, WIDTH, bar_chart, fit, nice_ceiling, text_width, ticks_for

SVG = "{http://www.w3.org/2000/svg}"


def chart(items: list[tuple[str, int]], **kw: object):
    return bar_chart(title="By type", items=items, axis_label="Records", category_label="Type", **kw)


def bars(svg: str) -> dict[str, float]:
    root = ET.fromstring(svg)
    return {g.get("data-label"): float(g.find(f"{SVG}rect").get("width"))
            for g in root.iter(f"{SVG}g")}


def test_the_scale_ends_at_a_round_number_at_or_above_the_largest_value() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 2, 3, 7, 10, 11, 99, 101, 4500)] == \
        [1, 1, 2, 5, 10, 10, 20, 100, 200, 5000]
    assert ticks_for(10) == [0, 2, 4, 6, 8, 10]
    assert ticks_for(2) == [0, 1, 2]


def test_bars_are_as_long_as_their_values_on_one_scale() -> None:
    made = chart([("Contract", 2), ("ID copy", 1)])
    widths = bars(str(made.svg))
    assert widths["Contract"] == 2 * widths["ID copy"] > 0
    assert [b.value for b in made.bars] == [2, 1]
    assert made.ticks[0][1] == "0" and made.ticks[-1][1] == "2"


def test_a_single_bar_is_drawn_to_scale_and_its_value_is_written_out() -> None:
    made = chart([("Contract", 7)], number=lambda n: f"{n:,}")
    svg = str(made.svg)
    (width,) = bars(svg).values()
    assert made.ticks[-1][1] == "10"
    assert width / (made.ticks[-1][0] - made.ticks[0][0]) == pytest.approx(0.7, abs=0.001)
    root = ET.fromstring(svg)
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["7"]


def test_the_chart_has_a_title_a_description_of_every_value_and_axis_names() -> None:
    svg = str(chart([("合同", 1234)], number=lambda n: f"{n:,}").svg)
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "By type"
    assert root.find(f"{SVG}desc").text == "Type / Records: 合同: 1,234"
    assert {t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis"} == {"Records", "Type"}
    assert re.search(r'viewBox="0 0 400 \d+"', svg) and "style=" not in svg


def test_no_data_is_an_empty_chart_without_a_drawing() -> None:
    made = chart([])
    assert made.empty and made.svg is None
    zeros = chart([("Contract", 0)])  # a zero still draws: no division by zero
    assert not zeros.empty and bars(str(zeros.svg)) == {"Contract": 0.0}


def test_a_very_long_label_is_shortened_and_kept_whole_in_its_title() -> None:
    name = "一个非常非常非常非常非常非常非常非常长的档案类型名称" * 3
    made = chart([(name, 3), ("x" * 200, 1)])
    assert made.bars[0].label.endswith("…") and text_width(made.bars[0].label) <= LABEL_WIDTH - 8
    assert made.bars[1].label.endswith("…") and len(made.bars[1].label) < 40
    root = ET.fromstring(str(made.svg))
    titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert titles[0] == f"{name}: 3"
    assert all(float(t.get("x")) <= WIDTH for t in root.iter(f"{SVG}text"))
    assert fit("short", 142) == "short"


def test_labels_are_escaped() -> None:
    svg = str(chart([("<script>&", 1)]).svg)
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg
