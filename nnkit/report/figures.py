"""The report's pictures, drawn with matplotlib and returned as inline SVG text.

matplotlib's object API (no pyplot) keeps no global state, so a grading process can draw them.
Each picture carries its numbers in words too (bar labels, a legend), and tells its lines apart
by style and its bars by hatching, not by colour alone. The SVG has no date and fixed ids, so the
same class gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from nnkit.i18n.lang import _

INK = "#1b1b1b"
BARS = "#7aa6c2"
WIDTH_INCHES = 7.5


def svg(figure, label: str) -> str:
    """The figure as an <svg> element for a page, labelled for screen readers."""
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "nnkit", "svg.fonttype": "none"}):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = out.getvalue()
    text = text[text.index("<svg"):]
    return re.sub(r"<svg\b", f'<svg role="img" aria-label="{_escape(label)}"', text, count=1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _figure(height: float):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=96)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def histogram(values: Sequence[float], low: float, high: float, xlabel: str, label: str,
              marks: Sequence[tuple[str, float, str]] = ()) -> str:
    """A histogram of `values` over [low, high], with vertical lines (legend text, value, style)."""
    figure, axes = _figure(3.0)
    span = (high - low) or 1.0
    bins = [low + span * i / 20 for i in range(21)]
    axes.hist(values, bins=bins, color=BARS, edgecolor=INK, linewidth=0.6, hatch="//")
    for text, value, style in marks:
        axes.axvline(value, color=INK, linestyle=style, linewidth=1.6, label=text)
    axes.set_xlim(low - span / 50, high + span / 50)  # a line at either end stays visible
    axes.set_xlabel(xlabel)
    axes.set_ylabel(_("students"))
    axes.yaxis.get_major_locator().set_params(integer=True)
    if marks:
        axes.legend(frameon=False, loc="upper left")
    return svg(figure, label)


def bars(names: Sequence[str], shares: Sequence[float], xlabel: str, label: str) -> str:
    """Horizontal bars of shares in [0, 1], one per name, top to bottom, each with its percent."""
    figure, axes = _figure(0.6 + 0.24 * max(len(names), 1))
    positions = range(len(names))
    axes.barh(list(positions), [100 * s for s in shares], color=BARS, edgecolor=INK, linewidth=0.6,
              hatch="//")
    for position, share in zip(positions, shares):
        axes.text(100 * share + 1, position, _("{share:.0%}").format(share=share), va="center",
                  fontsize=8, color=INK)
    axes.set_yticks(list(positions), list(names), fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 112)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_xlabel(xlabel)
    return svg(figure, label)
