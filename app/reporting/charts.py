"""Chart images for reports: bars and trends with 95% intervals, as PNG bytes or Figures.

Uses matplotlib's object-oriented API (a `Figure` with its own Agg canvas, never pyplot's global
state), so charts can be drawn from several request threads at once. Chinese text is drawn with
the shipped font (see `fonts.configure_matplotlib`).
"""
from __future__ import annotations

import io
import math
from collections.abc import Sequence

from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .fonts import configure_matplotlib

BAR = "#2F6DB5"
BAR_EDGE = "#1B4A7A"
INTERVAL = "#343A40"
REFERENCE = "#D9822B"
MUTED = "#868E96"
GRID = "#E9ECEF"
BAND = "#2F6DB5"

Number = float | int | None
# Value labels sit on a white patch above the reference line, so a line crossing them
# never makes a digit unreadable.
_LABEL_STYLE = {"bbox": {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                "zorder": 5}


def bar_chart_with_intervals(labels: Sequence[str], values: Sequence[Number],
                             ci_lows: Sequence[Number] | None = None,
                             ci_highs: Sequence[Number] | None = None, *, dpi: int = 150,
                             **options) -> bytes:
    """PNG of `bar_chart_figure` (same arguments) at `dpi`."""
    return _png(bar_chart_figure(labels, values, ci_lows, ci_highs, **options), dpi)


def trend_chart(periods: Sequence[str], values: Sequence[Number],
                ci_lows: Sequence[Number] | None = None,
                ci_highs: Sequence[Number] | None = None, *, dpi: int = 150,
                **options) -> bytes:
    """PNG of `trend_figure` (same arguments) at `dpi`."""
    return _png(trend_figure(periods, values, ci_lows, ci_highs, **options), dpi)


def bar_chart_figure(labels: Sequence[str], values: Sequence[Number],
                     ci_lows: Sequence[Number] | None = None,
                     ci_highs: Sequence[Number] | None = None, *, title: str = "",
                     xlabel: str = "", ylabel: str = "", reference: float | None = None,
                     reference_label: str = "", suppressed_mask: Sequence[bool] | None = None,
                     suppressed_label: str = "", missing_label: str = "",
                     suppressed_labels: Sequence[str] | None = None,
                     horizontal: bool = False, percent: bool = False,
                     value_range: tuple[float, float] | None = None,
                     size: tuple[float, float] | None = None) -> Figure:
    """One bar per group with its 95% interval; suppressed or empty groups get a text, no bar.

    `reference` draws the standard as a dashed line (horizontal, or vertical when `horizontal`).
    `percent` reads values as proportions in [0, 1] and labels them as percentages. A value of
    None means not enough data (`missing_label`); a True in `suppressed_mask` hides the group's
    figures whatever was passed (`suppressed_label`, or that group's entry of
    `suppressed_labels`, so a chart marks each hidden figure as the table beside it does).
    """
    count = len(labels)
    values = _floats(values, count)
    lows = _floats(ci_lows, count)
    highs = _floats(ci_highs, count)
    suppressed = list(suppressed_mask) if suppressed_mask is not None else [False] * count
    if not (len(values) == len(lows) == len(highs) == len(suppressed) == count):
        raise ValueError("labels, values, intervals and suppressed_mask must have equal lengths")

    if size is None:
        # Horizontal charts grow with the number of groups so long school names stay legible.
        size = (8.0, max(2.6, 0.45 * count + 1.6)) if horizontal else (8.0, 4.5)
    figure, ax = _figure(size)
    positions = list(range(count))
    # A suppressed group must show no figure at all, even if a value was passed by mistake.
    shown = [None if suppressed[i] else values[i] for i in positions]
    shown_highs = [None if shown[i] is None else highs[i] for i in positions]
    heights = [0.0 if v is None else v for v in shown]
    # No outline for an empty bar, or it would leave a stub on the axis.
    outlines = [0.0 if v is None else 0.6 for v in shown]
    bar = ax.barh if horizontal else ax.bar
    bar(positions, heights, 0.6, color=BAR, edgecolor=BAR_EDGE, linewidth=outlines, zorder=2)

    # Asymmetric error bars only where an interval exists, drawn in one call.
    err_pos = [i for i in positions if shown[i] is not None
               and lows[i] is not None and highs[i] is not None]
    if err_pos:
        centre = [shown[i] for i in err_pos]
        spread = [[max(0.0, shown[i] - lows[i]) for i in err_pos],
                  [max(0.0, highs[i] - shown[i]) for i in err_pos]]
        if horizontal:
            ax.errorbar(centre, err_pos, xerr=spread, fmt="none", ecolor=INTERVAL,
                        elinewidth=1.1, capsize=4, zorder=3)
        else:
            ax.errorbar(err_pos, centre, yerr=spread, fmt="none", ecolor=INTERVAL,
                        elinewidth=1.1, capsize=4, zorder=3)

    # Only shown figures set the scale, so the axis cannot hint at a suppressed interval.
    value_axis_max = _value_axis_limit(shown, shown_highs, reference, value_range)
    if horizontal:
        ax.set_xlim(*(value_range or (0, value_axis_max)))
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()  # first group on top, as in a table
    else:
        ax.set_ylim(*(value_range or (0, value_axis_max)))
        ax.set_xticks(positions, labels)
        _rotate_long_labels(ax, labels)

    # Write the value on each bar (or the reason there is none) so a printed chart reads alone.
    for i in positions:
        if suppressed[i]:
            text = suppressed_labels[i] if suppressed_labels else suppressed_label
            at, colour = 0.0, MUTED
        elif shown[i] is None:
            text, at, colour = missing_label, 0.0, MUTED
        else:
            text, at, colour = _format(shown[i], percent), shown[i], INTERVAL
            if shown_highs[i] is not None:
                at = max(at, shown_highs[i])
        if not text:
            continue
        if horizontal:
            ax.annotate(text, (at, i), xytext=(10, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=9, color=colour, **_LABEL_STYLE)
        else:
            ax.annotate(text, (i, at), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=9, color=colour, **_LABEL_STYLE)

    _reference_line(ax, reference, reference_label, vertical=horizontal, percent=percent)
    _finish(ax, title, xlabel, ylabel, percent=percent, value_axis="x" if horizontal else "y")
    return figure


def trend_figure(periods: Sequence[str], values: Sequence[Number],
                 ci_lows: Sequence[Number] | None = None,
                 ci_highs: Sequence[Number] | None = None, *, title: str = "",
                 ylabel: str = "", xlabel: str = "", reference: float | None = None,
                 reference_label: str = "", missing_label: str = "", percent: bool = False,
                 value_range: tuple[float, float] | None = None,
                 size: tuple[float, float] = (8.0, 4.2),
                 missing_labels: Sequence[str] | None = None) -> Figure:
    """A line over periods with a shaded 95% band; a None value leaves a gap and `missing_label`
    (or that period's entry of `missing_labels`: the same mark the table gives it)."""
    count = len(periods)
    values = _floats(values, count)
    lows = _floats(ci_lows, count)
    highs = _floats(ci_highs, count)
    if not (len(values) == len(lows) == len(highs) == count):
        raise ValueError("periods, values and intervals must have equal lengths")

    figure, ax = _figure(size)
    positions = list(range(count))
    nan = math.nan
    line = [nan if v is None else v for v in values]
    band_ok = [values[i] is not None and lows[i] is not None and highs[i] is not None
               for i in positions]
    ax.fill_between(positions, [lows[i] if band_ok[i] else nan for i in positions],
                    [highs[i] if band_ok[i] else nan for i in positions],
                    color=BAND, alpha=0.15, linewidth=0, zorder=1)
    ax.plot(positions, line, color=BAR, linewidth=2, marker="o", markersize=6, zorder=3)
    # A band needs two neighbouring points; a point alone between gaps shows its interval as a
    # whisker instead.
    alone = [i for i in positions if band_ok[i]
             and not (i > 0 and band_ok[i - 1]) and not (i + 1 < count and band_ok[i + 1])]
    if alone:
        spread = [[values[i] - lows[i] for i in alone], [highs[i] - values[i] for i in alone]]
        ax.errorbar(alone, [values[i] for i in alone], yerr=spread, fmt="none", ecolor=BAND,
                    alpha=0.25, elinewidth=8, capsize=0, zorder=2)
    for i in positions:
        if values[i] is not None:
            # Beside a lone point, so the label does not sit on its whisker.
            beside = i in alone
            ax.annotate(_format(values[i], percent), (i, values[i]),
                        xytext=(9, 0) if beside else (0, 8), textcoords="offset points",
                        ha="left" if beside else "center", va="center" if beside else "bottom",
                        fontsize=9, color=INTERVAL, **_LABEL_STYLE)
        elif (missing_labels[i] if missing_labels else missing_label):
            ax.annotate(missing_labels[i] if missing_labels else missing_label, (i, 0), xycoords=("data", "axes fraction"),
                        xytext=(0, 6), textcoords="offset points", ha="center", fontsize=9,
                        color=MUTED)

    ax.set_xticks(positions, list(periods))
    ax.set_xlim(-0.5, max(count, 1) - 0.5)
    ax.set_ylim(*(value_range or _trend_limits(values, lows, highs, reference, percent)))
    _rotate_long_labels(ax, periods)
    _reference_line(ax, reference, reference_label, vertical=False, percent=percent)
    _finish(ax, title, xlabel, ylabel, percent=percent, value_axis="y")
    return figure


def _figure(size: tuple[float, float]) -> tuple[Figure, object]:
    """A fresh figure on its own Agg canvas, with one axes in the house style."""
    configure_matplotlib()
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(MUTED)
    ax.spines["bottom"].set_color(MUTED)
    ax.tick_params(colors=INTERVAL, labelsize=10)
    return figure, ax


def _finish(ax, title: str, xlabel: str, ylabel: str, *, percent: bool, value_axis: str) -> None:
    """Title, axis labels, light grid along the value axis, and percentage ticks if asked."""
    if title:
        # The font has one weight; a thin stroke in the text colour gives the title some weight.
        ax.set_title(title, fontsize=13, color="#212529", loc="left", pad=12,
                     path_effects=[patheffects.withStroke(linewidth=0.6, foreground="#212529")])
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=10, color=INTERVAL)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=10, color=INTERVAL)
    axis = ax.xaxis if value_axis == "x" else ax.yaxis
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    if percent:
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:.0f}%"))
    ax.grid(axis=value_axis, color=GRID, linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)


def _reference_line(ax, reference: float | None, label: str, *, vertical: bool,
                    percent: bool) -> None:
    """Draw the standard or target as a dashed line with its label at the end."""
    if reference is None:
        return
    text = f"{label} {_format(reference, percent)}".strip() if label else ""
    if vertical:
        ax.axvline(reference, color=REFERENCE, linestyle="--", linewidth=1.4, zorder=4)
        if text:
            ax.annotate(text, (reference, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, 2), textcoords="offset points", ha="left", va="bottom",
                        fontsize=9, color=REFERENCE)
    else:
        ax.axhline(reference, color=REFERENCE, linestyle="--", linewidth=1.4, zorder=4)
        if text:
            # In the right margin, beside the line's end, where no bar or point can be.
            ax.annotate(text.replace(" ", "\n", 1) if label else text, (1.0, reference),
                        xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=9,
                        color=REFERENCE, annotation_clip=False)


def _value_axis_limit(values: list, highs: list, reference: float | None,
                      value_range: tuple[float, float] | None) -> float:
    """Top of the value axis: room above the highest bar, interval or reference for labels."""
    if value_range is not None:
        return value_range[1]
    candidates = [v for v in [*values, *highs] if v is not None]
    if reference is not None:
        candidates.append(reference)
    top = max(candidates, default=1.0)
    return top * 1.15 if top > 0 else 1.0


def _trend_limits(values: list, lows: list, highs: list, reference: float | None,
                  percent: bool) -> tuple[float, float]:
    """Value axis of a trend: from zero for proportions, else around the data and the standard.

    A line, unlike a bar, need not start at zero, and sleep hours of 9.1 to 9.8 against a
    standard of 10 would otherwise be a flat line.
    """
    known = [v for v in [*values, *lows, *highs, reference] if v is not None]
    if not known:
        return 0.0, 1.0
    low, high = min(known), max(known)
    if percent:
        return 0.0, min(1.05, high * 1.15) if high > 0 else 1.0
    pad = (high - low) * 0.25 or abs(high) * 0.1 or 1.0
    return max(0.0, low - pad) if low >= 0 else low - pad, high + pad


def _rotate_long_labels(ax, labels: Sequence[str]) -> None:
    """Tilt category labels when they would collide; Chinese names are wide."""
    longest = max((len(str(label)) for label in labels), default=0)
    if longest * len(labels) > 48:
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")


def _floats(values: Sequence[Number] | None, count: int) -> list[float | None]:
    """Copy a sequence as floats, keeping None (and NaN) as None; a missing sequence is all None."""
    if values is None:
        return [None] * count
    result = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            result.append(None)
        else:
            result.append(float(value))
    return result


def _format(value: float, percent: bool) -> str:
    """Format a value for a label: a percentage, or a number with at most one decimal."""
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _png(figure: Figure, dpi: int) -> bytes:
    """Render the figure to PNG bytes and release its artists."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    finally:
        figure.clear()
    return buffer.getvalue()
