"""The digest's chart: participants by kind of activity over the last eight weeks (PNG).

Drawn with matplotlib's Agg backend (no display) and the IPAexGothic font shipped in the
``matplotlib-fontja`` package, used by its file so Japanese never falls back to boxes.

Every chart has the same frame (size, margins, axes, the eight weeks), so each process keeps
one figure and draws every chart on it: its axes, ticks and renderer are made once, and the
renderer keeps the sizes of texts it has measured (week labels, kinds, tick numbers recur in
every chart). Before each chart the previous one's bars, legend and notes are taken off and
every text is set anew, so a chart never depends on the one drawn before it. The bars of a
kind are one collection rather than eight patches (what ``bar`` makes, at eight times the
bookkeeping).
"""

from __future__ import annotations

import importlib.util
import io
import threading
from functools import cache
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from locales.i18n import plain
from scheduler.digests.aggregate import Digest
from scheduler.digests.render import KINDS

COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
BAR_WIDTH = 0.8
_drawing = threading.Lock()  # the shared figure is drawn by one thread at a time


@cache
def font_path() -> Path:
    """Return the packaged Japanese font file (IPAexGothic)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    assert spec is not None
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


@cache
def _font() -> FontProperties:
    return FontProperties(fname=font_path())


def week_labels(digest: Digest) -> list[str]:
    """Return the weeks' labels on the x axis: the Monday as month/day."""
    return [f"{monday.month}/{monday.day}" for monday in digest.weeks]


def chart_texts(digest: Digest) -> list[str]:
    """Return every text the chart shows (for the glyph check)."""
    return [plain("digest.chart.title", council=digest.scope.council.name),
            plain("digest.chart.y_label"), plain("digest.chart.x_label"),
            plain("digest.chart.no_data"), *week_labels(digest),
            *(plain(label) for label in KINDS.values())]


@cache
def _frame() -> tuple[Figure, Axes]:
    """Return this process's figure and axes, with what every chart has in common."""
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    # Fixed margins instead of tight_layout(), which draws the figure twice.
    figure.subplots_adjust(left=0.09, right=0.78, top=0.9, bottom=0.13)
    return figure, axes


def _clear(axes: Axes) -> None:
    """Take the previous chart's bars, notes and legend off, and forget its limits (back to
    those of new axes, which a chart without data keeps)."""
    for artist in [*axes.collections, *axes.texts]:
        artist.remove()
    if axes.legend_ is not None:
        axes.legend_.remove()
    axes.dataLim.set_points(Bbox.null().get_points())
    axes.ignore_existing_data_limits = True
    axes.set_xlim(0, 1, auto=None)
    axes.set_ylim(0, 1, auto=None)


def participants_chart(digest: Digest) -> bytes:
    """Return the PNG of participants per week, stacked by kind, in the current language."""
    with _drawing:
        figure, axes = _frame()
        _clear(axes)
        _draw(axes, digest)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _draw(axes: Axes, digest: Digest) -> None:
    font = _font()
    labels = week_labels(digest)
    positions = list(range(len(labels)))
    bottoms = [0.0] * len(labels)
    weekly = [digest.total(i).participants_by_kind for i in positions]
    half = BAR_WIDTH / 2
    for colour, (kind, label) in zip(COLOURS, KINDS.items(), strict=False):
        values = [float(counts.get(kind, 0)) for counts in weekly]
        if not any(values):
            continue
        bars = PolyCollection(
            [[(x - half, b), (x - half, b + v), (x + half, b + v), (x + half, b)]
             for x, b, v in zip(positions, bottoms, values, strict=True)],
            facecolors=colour, edgecolors="none", linewidths=0, label=plain(label))
        bars.sticky_edges.y.append(0)  # the bars stand on the x axis, as ``bar`` makes them
        axes.add_collection(bars, autolim=False)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    if any(bottoms):
        # The limits once for all the bars (each collection would rescale the axes again).
        axes.update_datalim([(-half, 0.0), (len(labels) - 1 + half, max(bottoms))])
        axes.autoscale_view()
    axes.set_xticks(positions, labels)
    for tick in axes.get_xticklabels() + axes.get_yticklabels():
        tick.set_fontproperties(font)
    axes.set_title(plain("digest.chart.title", council=digest.scope.council.name),
                   fontproperties=font)
    axes.set_ylabel(plain("digest.chart.y_label"), fontproperties=font)
    axes.set_xlabel(plain("digest.chart.x_label"), fontproperties=font)
    if any(bottoms):
        # Beside the bars, not over them; top to bottom in the order of the stack.
        handles, names = axes.get_legend_handles_labels()
        axes.legend(handles[::-1], names[::-1], prop=font, loc="upper left",
                    bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        axes.text(0.5, 0.5, plain("digest.chart.no_data"), transform=axes.transAxes,
                  ha="center", va="center", fontproperties=font)
