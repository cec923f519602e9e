"""Draw the three network schemas of exercise 04_models (schema_a/b/c.png).

Usage::

    python data/schemas/draw_schemas.py

English pictures go here, those of another edition of the course into a folder named by its
language (`ru/schema_a.png`), with the labels from the course's catalog; `nnkit release --lang`
puts that edition's pictures into the bundle.

Each picture reads left to right: the input block with its number of features, each Linear
layer as a tall box with its number of output features, each activation as a smaller box,
and the output. As in the article's schemas, a Linear box shows only its output size; its
input size is whatever arrives from the left. The students build the matching
``nn.Sequential`` from the picture, so keep this table in step with the contract
(CURRICULUM.md, 04_models) and with the solutions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the kit, when run as a script from a checkout

from nnkit.build import editions
from nnkit.i18n import lang
from nnkit.i18n.course import _
from nnkit.i18n.lang import N_

# name: (title, input label, input size, layers, output label).
# A layer is ("Linear", out_features) or the name of an activation.
SCHEMAS = {
    "schema_a": (N_("A. Regression: house price"),
                 N_("house features"), 8,
                 [("Linear", 32), "ReLU", ("Linear", 16), "ReLU", ("Linear", 1)],
                 N_("price")),
    "schema_b": (N_("B. Binary classification: heart-attack risk"),
                 N_("patient features"), 6,
                 [("Linear", 12), "ReLU", ("Linear", 1), "Sigmoid"],
                 N_("risk\n(probability)")),
    "schema_c": (N_("C. Multiclass classification: diagnosis"),
                 N_("symptoms"), 20,
                 [("Linear", 64), "ReLU", ("Linear", 32), "ReLU", ("Linear", 5), "Softmax"],
                 N_("5 diagnosis\nprobabilities")),
}

# Looks: (width, height, face colour, edge colour) of each kind of block, in data units.
BLOCKS = {
    "input": (1.25, 1.9, "#e8e8e8", "#555555"),
    "Linear": (1.05, 1.9, "#cfe2f3", "#2f5f8a"),
    "activation": (0.95, 1.0, "#fde3c8", "#b8651b"),
    "output": (1.45, 1.9, "#e8e8e8", "#555555"),
}
GAP = 0.45           # space between blocks, holding an arrow
DPI = 100
HEIGHT_INCHES = 2.5


def blocks(spec):
    """The blocks of one schema, left to right: (kind, main text, small text)."""
    _title, input_label, input_size, layers, output_label = spec
    out = [("input", str(input_size), _(input_label))]
    for layer in layers:
        if isinstance(layer, tuple):
            out.append(("Linear", "Linear", str(layer[1])))
        else:
            out.append(("activation", layer, ""))
    out.append(("output", _("Output"), _(output_label)))
    return out


def draw(spec, path: Path) -> None:
    """Draw one schema into a PNG file."""
    items = blocks(spec)
    total = sum(BLOCKS[item[0]][0] for item in items) + GAP * (len(items) - 1)
    margin = 0.2
    x_size = total + 2 * margin
    y_size = 2.85
    fig = plt.figure(figsize=(HEIGHT_INCHES * x_size / y_size, HEIGHT_INCHES), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, x_size)
    ax.set_ylim(0, y_size)
    ax.axis("off")
    mid = 1.17  # vertical centre line of the chain
    ax.text(x_size / 2, y_size - 0.18, _(spec[0]), ha="center", va="top",
            fontsize=13, fontweight="bold")

    x = margin
    previous_right = None
    for kind, main, small in items:
        width, height, face, edge = BLOCKS[kind]
        ax.add_patch(FancyBboxPatch((x, mid - height / 2), width, height,
                                    boxstyle="round,pad=0,rounding_size=0.12",
                                    facecolor=face, edgecolor=edge, linewidth=1.5))
        cx = x + width / 2
        if kind == "activation":
            ax.text(cx, mid, main, ha="center", va="center", fontsize=10.5)
        elif kind == "Linear":
            ax.text(cx, mid + 0.3, main, ha="center", va="center", fontsize=11)
            ax.text(cx, mid - 0.3, small, ha="center", va="center", fontsize=15,
                    fontweight="bold", color=edge)
        elif kind == "input":
            ax.text(cx, mid + 0.6, _("Input"), ha="center", va="center", fontsize=11,
                    fontweight="bold")
            ax.text(cx, mid - 0.05, main, ha="center", va="center", fontsize=15,
                    fontweight="bold", color=edge)
            ax.text(cx, mid - 0.6, small.replace(" ", "\n"), ha="center", va="center",
                    fontsize=9.5, linespacing=1.1)
        else:
            ax.text(cx, mid + 0.6, main, ha="center", va="center", fontsize=11,
                    fontweight="bold")
            ax.text(cx, mid - 0.15, small, ha="center", va="center", fontsize=10,
                    linespacing=1.3)
        if previous_right is not None:
            ax.add_patch(FancyArrowPatch((previous_right, mid), (x, mid),
                                         arrowstyle="-|>", mutation_scale=14,
                                         linewidth=1.4, color="#333333",
                                         shrinkA=2, shrinkB=2))
        previous_right = x + width
        x += width + GAP

    # No "Software" tag (it names the matplotlib version), so reruns give the same bytes.
    fig.savefig(path, dpi=DPI, metadata={"Software": None},
                pil_kwargs={"optimize": True})
    plt.close(fig)


def folder(code: str) -> Path:
    """Where the pictures of one language go."""
    return HERE if code == lang.SOURCE else HERE / code


def main() -> None:
    root = HERE.parents[1]
    for code in [lang.SOURCE, *editions.languages(root)]:
        folder(code).mkdir(exist_ok=True)
        with lang.speaking(code):
            for name, spec in SCHEMAS.items():
                path = folder(code) / f"{name}.png"
                draw(spec, path)
                print(f"wrote {path}")


if __name__ == "__main__":
    main()
