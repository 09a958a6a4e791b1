"""Redraw the diagrams of docs/explain.md with the built-in renderer (what everyone without
Graphviz gets): ``python docs/images/render.py`` writes <example>.svg here and, where
``rsvg-convert`` (librsvg) is installed, the <example>.png the page shows; and
maxpool-routing.png, the routing mask of a 2x2 max pooling with stride 1 over a 4x4 input with ties.

``mnist-mlp`` takes the first MNIST test digit from chainrule's data cache when it is there.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.explain import draw, routing_mask
from chainrule.explain.examples import example

HERE = Path(__file__).resolve().parent
EXAMPLES = ["circuit", "neuron-gates", "staged", "mnist-mlp", "convolution"]
TIES = [[3, 3, 1, 0], [3, 2, 1, 1], [0, 5, 5, 2], [5, 1, 2, 2]]  # the input of docs/explain.md's mask


def routing_picture():
    """The input (its numbers) beside its routing mask (the heatmap's grey: white 0, black
    the most windows), each cell labelled, so the ties' first-maximum rule reads off it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = np.array(TIES, dtype=np.float64)
    x = cr.tensor(values.reshape(1, 1, 4, 4), requires_grad=True)
    mask = routing_mask(cr.nn.functional.max_pool2d(x, 2, stride=1))[0, 0]
    figure, axes = plt.subplots(1, 2, figsize=(6.4, 3.4), dpi=100)
    for ax, grid, title in ((axes[0], values, "input x (4x4)"),
                            (axes[1], mask, "routing mask: windows whose\ngradient goes to each position")):
        ax.imshow(grid, cmap="Greys", vmin=0, vmax=grid.max())
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, f"{v:g}", ha="center", va="center", color="white" if v > grid.max() / 2 else "black")
        ax.set_xticks(np.arange(-0.5, 4), minor=True)
        ax.set_yticks(np.arange(-0.5, 4), minor=True)
        ax.grid(which="minor", color="#888888")
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(title, fontsize=10)
    figure.suptitle("max_pool2d(x, 2, stride=1): ties go to the first maximum (row-major)", fontsize=10)
    figure.tight_layout()
    figure.savefig(HERE / "maxpool-routing.png")
    plt.close(figure)
    print("drew maxpool-routing.png")


def main():
    real_which = shutil.which
    shutil.which = lambda name: None if name == "dot" else real_which(name)  # the built-in renderer
    converter = real_which("rsvg-convert")
    for name in EXAMPLES:
        svg = HERE / f"{name}.svg"
        draw(example(name).output, svg)
        if converter:
            subprocess.run([converter, "--zoom", "1.5", str(svg), "-o", str(svg.with_suffix(".png"))], check=True)
        print("drew", svg.with_suffix(".png" if converter else ".svg").name)
    routing_picture()
    return 0


if __name__ == "__main__":
    sys.exit(main())
