"""See backpropagation: traces, circuit diagrams, the four equations, gradient checks.

- ``trace(output)``: the staged forward/backward account with numbers.
- ``draw(output, path=None, format="svg")``: the graph as a circuit diagram (SVG/PNG/DOT).
- ``heatmap(tensor)``: an image, weight matrix or CNN tensor as a picture (a notebook shows it).
- ``gradcheck_model(model, inputs, targets, loss)``: every parameter against finite differences.
- ``doctor(model, loader, loss)``: sanity checks before a long run, each with its number.
- ``GradientDiagnostics(model)``: per-layer gradient norms, mean |delta|, update ratios and
  dead ReLUs during training (a ``chainrule.train.fit`` callback); ``plot_diagnostics``.
- ``routing_mask(max_pool2d(x, ...))``: where each pooling window's gradient goes (counts).
- ``show(obj)``: an explain object as a notebook shows it (its table), else printed.
- ``bptt(loss, rnn_output)``: dL/dh_t at every time step of a recurrent layer (vanishing gradients).
- ``recording()``: record intermediate gradients during ``backward`` for ``trace``/``draw``.
- ``nielsen.backprop`` (BP1-BP4) and ``fadjoint.fadjoint`` (the F-adjoint) for MLPs;
  ``examples.example(name)``: the worked examples of docs/math.md and more.
"""
from . import examples, fadjoint, nielsen
from .bptt import BPTT, bptt
from .diagnostics import GradientDiagnostics, plot_diagnostics
from .doctor import doctor
from .draw import draw
from .gradcheck import gradcheck_model
from .heatmap import heatmap
from .html import show
from .routing import routing_mask
from .trace import Trace, recording, trace

__all__ = [
    "GradientDiagnostics", "Trace", "doctor", "draw", "gradcheck_model", "heatmap", "plot_diagnostics",
    "examples", "fadjoint", "nielsen", "recording", "routing_mask", "show", "trace",
]
__all__ += ["BPTT", "bptt"]
