"""Charts: PNG output, Chinese drawn with the shipped font, gaps and suppression shown honestly."""
import io
import logging
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from app.reporting.charts import (
    bar_chart_figure, bar_chart_with_intervals, trend_chart, trend_figure,
)

SCHOOLS = ["城关镇第一小学", "河西乡中心小学", "柳树湾村小学", "喆堃希望小学"]
VALUES = [0.72, 0.55, None, 0.81]
LOWS = [0.63, 0.44, None, 0.70]
HIGHS = [0.80, 0.66, None, 0.89]
PERIODS = ["2024年春", "2024年秋", "2025年春", "2025年秋"]


def _bar(**overrides):
    """A typical compliance bar chart as PNG bytes."""
    options = dict(title="睡眠达标率（小学每天≥10小时）", xlabel="学校", ylabel="达标率",
                   reference=0.8, reference_label="目标", suppressed_mask=[False, True, False, False],
                   suppressed_label="样本不足，不显示", missing_label="暂无数据", percent=True)
    options.update(overrides)
    return bar_chart_with_intervals(SCHOOLS, VALUES, LOWS, HIGHS, **options)


def _trend(**overrides):
    """A typical trend chart as PNG bytes."""
    options = dict(title="作业时长达标率变化趋势", ylabel="达标率", reference=0.9,
                   reference_label="目标", missing_label="样本不足", percent=True)
    options.update(overrides)
    return trend_chart(PERIODS, [0.52, 0.58, None, 0.71], [0.45, 0.51, None, 0.64],
                       [0.59, 0.65, None, 0.77], **options)


def _glyph_complaints(draw, caplog) -> list[str]:
    """Messages about missing glyphs that drawing a chart produced, as warnings or log records."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        draw()
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    return [m for m in messages if "missing from" in m or "Glyph" in m]


def test_bar_chart_is_a_png_of_the_expected_size():
    image = Image.open(io.BytesIO(_bar(dpi=100)))
    assert image.format == "PNG"
    assert image.size == (800, 450)


def test_trend_chart_is_a_png():
    assert Image.open(io.BytesIO(_trend())).format == "PNG"


@pytest.mark.parametrize("draw", [_bar, lambda: _bar(horizontal=True), _trend],
                         ids=["bar", "horizontal_bar", "trend"])
def test_chinese_labels_draw_without_missing_glyphs(draw, caplog):
    assert _glyph_complaints(draw, caplog) == []


def test_missing_glyph_check_does_detect_a_missing_glyph(caplog):
    # U+20000 (CJK Extension B) is in neither the shipped font nor DejaVu Sans, so this must
    # complain; otherwise the test above could pass without checking anything.
    assert _glyph_complaints(lambda: _bar(title="\U00020000"), caplog)


def test_suppressed_group_shows_its_label_and_no_value_even_if_one_was_passed():
    figure = bar_chart_figure(SCHOOLS, [0.72, 0.55, None, 0.81], LOWS, HIGHS,
                              suppressed_mask=[False, True, False, False],
                              suppressed_label="样本不足", missing_label="暂无数据", percent=True)
    ax = figure.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    assert heights[1] == 0 and heights[2] == 0
    texts = [text.get_text() for text in ax.texts]
    assert "样本不足" in texts and "暂无数据" in texts
    assert "55%" not in texts and "72%" in texts


def test_reference_line_is_drawn_at_the_standard():
    ax = bar_chart_figure(SCHOOLS, VALUES, LOWS, HIGHS, reference=0.8).axes[0]
    assert any(list(line.get_ydata()) == [0.8, 0.8] for line in ax.get_lines())
    ax = bar_chart_figure(SCHOOLS, VALUES, LOWS, HIGHS, reference=0.8, horizontal=True).axes[0]
    assert any(list(line.get_xdata()) == [0.8, 0.8] for line in ax.get_lines())


def test_trend_leaves_a_gap_where_there_is_no_value():
    ax = trend_figure(PERIODS, [0.5, None, 0.6, 0.7], missing_label="样本不足").axes[0]
    ydata = ax.get_lines()[0].get_ydata()
    assert ydata[1] != ydata[1]  # NaN breaks the line
    assert "样本不足" in [text.get_text() for text in ax.texts]


def test_all_values_missing_and_no_intervals_still_draw():
    assert bar_chart_with_intervals(SCHOOLS, [None] * 4).startswith(b"\x89PNG")
    assert trend_chart(PERIODS, [None] * 4).startswith(b"\x89PNG")
    assert bar_chart_with_intervals([], []).startswith(b"\x89PNG")
    assert trend_chart([], []).startswith(b"\x89PNG")


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        bar_chart_with_intervals(SCHOOLS, VALUES[:2])
    with pytest.raises(ValueError):
        trend_chart(PERIODS, [0.1], [0.0], [0.2])


def test_charts_can_be_drawn_from_several_threads_at_once():
    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(lambda i: _bar(title=f"图{i}") if i % 2 else _trend(), range(8)))
    assert all(Image.open(io.BytesIO(png)).format == "PNG" for png in images)


def test_suppressed_interval_does_not_stretch_the_axis():
    ax = bar_chart_figure(["甲校", "乙校"], [0.5, 4.0], [0.4, 3.0], [0.6, 5.0],
                          suppressed_mask=[False, True]).axes[0]
    assert ax.get_ylim()[1] < 1
