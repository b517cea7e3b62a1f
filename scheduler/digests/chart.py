"""The digest's chart: participants by kind of activity over the last eight weeks (PNG).

Drawn with matplotlib's Agg backend (no display) and the IPAexGothic font shipped in the
``matplotlib-fontja`` package, used by its file so Japanese never falls back to boxes.
"""

from __future__ import annotations

import importlib.util
import io
from functools import cache
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from bot.i18n import plain
from scheduler.digests.aggregate import Digest
from scheduler.digests.render import KINDS

COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")


@cache
def font_path() -> Path:
    """Return the packaged Japanese font file (IPAexGothic)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    assert spec is not None
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


def week_labels(digest: Digest) -> list[str]:
    """Return the weeks' labels on the x axis: the Monday as month/day."""
    return [f"{monday.month}/{monday.day}" for monday in digest.weeks]


def chart_texts(digest: Digest) -> list[str]:
    """Return every text the chart shows (for the glyph check)."""
    return [plain("digest.chart.title", council=digest.scope.council.name),
            plain("digest.chart.y_label"), plain("digest.chart.x_label"),
            plain("digest.chart.no_data"), *week_labels(digest),
            *(plain(label) for label in KINDS.values())]


def participants_chart(digest: Digest) -> bytes:
    """Return the PNG of participants per week, stacked by kind, in the current language."""
    font = FontProperties(fname=font_path())
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = week_labels(digest)
    positions = list(range(len(labels)))
    bottoms = [0.0] * len(labels)
    weekly = [digest.total(i).participants_by_kind for i in positions]
    for colour, (kind, label) in zip(COLOURS, KINDS.items(), strict=False):
        values = [float(counts.get(kind, 0)) for counts in weekly]
        if not any(values):
            continue
        axes.bar(positions, values, bottom=bottoms, color=colour, label=plain(label))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(positions, labels)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
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
    axes.spines[["top", "right"]].set_visible(False)
    # Fixed margins instead of tight_layout(), which draws the figure twice.
    figure.subplots_adjust(left=0.09, right=0.78, top=0.9, bottom=0.13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
