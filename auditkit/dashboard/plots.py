"""The dashboard's plots as SVG (no Flask): stacked bars drawn from a Chart, text kept as
text, nothing loaded from elsewhere, and the same document for the same numbers.

matplotlib is imported inside render(): it takes most of a second to import, so only a
process that draws a plot pays for it. Figures are matplotlib.figure.Figure objects (never
pyplot, whose figures are global state) drawn under a lock, because the SVG settings they
need are matplotlib's process-wide rcParams, set for the duration of one drawing.
"""

from __future__ import annotations

import io
import re
import threading
from typing import Any

from auditkit.dashboard.figures import Chart

INK = "#1d2430"
MUTED = "#5b6575"
LINE = "#d9dee6"
# The colours of auditkit.css; a series means the same colour in every plot.
COLOURS = {
    "Major": "#b3261e",
    "Minor": "#a66300",
    "Deviation": "#5b6575",
    "Planned": "#2e7d4f",
    "Not planned yet": "#a66300",
    "As lead": "#1f5fa8",
    "In the team": "#8fb3dc",
    "Certificates": "#1f5fa8",
}
PALETTE = ("#1f5fa8", "#8fb3dc", "#2e7d4f", "#a66300", "#b3261e", "#5b6575")
WIDTH = 6.4  # inches; the page scales the image to its column
LABEL_CHARS = 40
SETTINGS: dict[str, Any] = {
    "svg.fonttype": "none",  # text stays <text>: sharp, selectable, found by search
    "svg.hashsalt": "auditkit-dashboard",  # ids from a fixed salt: same numbers, same SVG
    "text.parse_math": False,  # a "$" in a client's or auditor's name is a dollar sign
    "font.size": 9,
    "text.color": INK,
    "axes.edgecolor": LINE,
    "axes.labelcolor": MUTED,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
}
# None drops each entry, and with them the <metadata> block and its URLs (matplotlib's own).
METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*")
_LOCK = threading.Lock()


def render(chart: Chart) -> str:
    """The chart as an SVG document: stacked bars, or its `empty` sentence when all are zero."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = io.StringIO()
    with _LOCK, matplotlib.rc_context(SETTINGS):
        figure = Figure(figsize=(WIDTH, _height(chart)))
        FigureCanvasAgg(figure)  # measures the labels for the margins
        if chart.is_empty:
            _nothing_to_show(figure, chart)
        else:
            _bars(figure, chart)
        figure.savefig(out, format="svg", metadata=METADATA)
    # The DOCTYPE names the W3C's DTD by its URL; an SVG needs none.
    return _DOCTYPE.sub("", out.getvalue(), count=1)


def _height(chart: Chart) -> float:
    if chart.is_empty:
        return 1.2
    if chart.horizontal:
        return max(2.4, 1.0 + 0.28 * len(chart.rows))
    return 3.2


def _bars(figure: Any, chart: Chart) -> None:
    """Stacked bars with each row's label and total beside it.

    Each series is one PolyCollection, and labels and totals are plain texts: bar() makes a
    patch per bar and a tick makes five artists, which tripled the time for 30 auditors.
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.ticker import MaxNLocator, NullLocator

    axes = figure.add_subplot()
    across = chart.horizontal
    base = [0] * len(chart.rows)
    for index, name in enumerate(chart.series):
        values = [row.values[index] for row in chart.rows]
        boxes = [
            _box(at, start, start + value, across)
            for at, (start, value) in enumerate(zip(base, values, strict=True))
            if value
        ]
        colour = COLOURS.get(name, PALETTE[index % len(PALETTE)])
        axes.add_collection(
            PolyCollection(boxes, facecolors=colour, edgecolors="none", label=name),
            autolim=False,
        )
        base = [b + v for b, v in zip(base, values, strict=True)]
    labels = [_short(row.label) for row in chart.rows]
    values_axis, labels_axis = (axes.xaxis, axes.yaxis) if across else (axes.yaxis, axes.xaxis)
    labels_axis.set_major_locator(NullLocator())
    values_axis.set_major_locator(MaxNLocator(integer=True))
    values_axis.set_label_text(chart.unit)
    axes.grid(axis="x" if across else "y", color=LINE, linewidth=0.6)
    axes.set_axisbelow(True)
    span = (0, max(base) * 1.1)
    rows = (len(chart.rows) - 0.5, -0.5)  # the first row on top, as in the table
    axes.set_xlim(*(span if across else rows[::-1]))
    axes.set_ylim(*(rows if across else span))
    for at, (label, total) in enumerate(zip(labels, base, strict=True)):
        _label(axes, at, label, across, rotated=_rotated(chart))
        if total:
            offset = (3, 0) if across else (0, 2)
            axes.annotate(
                str(total), (total, at) if across else (at, total), xytext=offset,
                textcoords="offset points", ha="left" if across else "center",
                va="center" if across else "bottom",
            )  # fmt: skip
    if len(chart.series) > 1:
        figure.legend(loc="upper right", ncols=len(chart.series), frameon=False)
    _fit(figure, chart, labels)


def _box(at: int, start: int, end: int, across: bool) -> list[tuple[float, float]]:
    low, high = at - 0.35, at + 0.35
    if across:
        return [(start, low), (start, high), (end, high), (end, low)]
    return [(low, start), (high, start), (high, end), (low, end)]


def _label(axes: Any, at: int, label: str, across: bool, *, rotated: bool) -> None:
    """A row's label where its tick label would be."""
    if across:
        axes.text(-0.015, at, label, transform=axes.get_yaxis_transform(), ha="right", va="center")
    elif rotated:
        axes.text(
            at, -0.03, label, transform=axes.get_xaxis_transform(), ha="right", va="top",
            rotation=45, rotation_mode="anchor",
        )  # fmt: skip
    else:
        axes.text(at, -0.03, label, transform=axes.get_xaxis_transform(), ha="center", va="top")


def _fit(figure: Any, chart: Chart, labels: list[str]) -> None:
    """Margins (in inches) from the widest label, measured once: a layout engine draws the
    figure to find them, which made each plot take twice as long."""
    from matplotlib.font_manager import FontProperties

    renderer = figure.canvas.get_renderer()
    font = FontProperties(size=SETTINGS["font.size"])
    sizes = [renderer.get_text_width_height_descent(label, font, ismath=False) for label in labels]
    widest = max(size[0] for size in sizes) / figure.dpi
    top = 0.45 if len(chart.series) > 1 else 0.2  # room for the legend
    if chart.horizontal:
        left, right, bottom = widest + 0.25, 0.35, 0.5
    else:
        left, right = 0.7, 0.2
        bottom = 0.72 * widest + 0.3 if _rotated(chart) else 0.35
    width, height = figure.get_size_inches()
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height
    )


def _rotated(chart: Chart) -> bool:
    return not chart.horizontal and len(chart.rows) > 8


def _nothing_to_show(figure: Any, chart: Chart) -> None:
    figure.text(0.5, 0.5, chart.empty, ha="center", va="center", color=MUTED, fontsize=11)


def _short(label: str) -> str:
    """A label that fits beside its bar; the table shows it whole."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"
