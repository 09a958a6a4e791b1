"""Redraw the diagrams of docs/explain.md with the built-in renderer (what everyone without
Graphviz gets): ``python docs/images/render.py`` writes <example>.svg here and, where
``rsvg-convert`` (librsvg) is installed, the <example>.png the page shows.

``mnist-mlp`` takes the first MNIST test digit from chainrule's data cache when it is there.
"""
import shutil
import subprocess
import sys
from pathlib import Path

from chainrule.explain import draw
from chainrule.explain.examples import example

HERE = Path(__file__).resolve().parent
EXAMPLES = ["circuit", "neuron-gates", "staged", "mnist-mlp", "convolution"]


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
