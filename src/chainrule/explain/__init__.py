"""See backpropagation: traces, circuit diagrams, the four equations, gradient checks.

- ``trace(output)``: the staged forward/backward account with numbers.
- ``draw(output, path=None, format="svg")``: the graph as a circuit diagram (SVG/PNG/DOT).
- ``recording()``: record intermediate gradients during ``backward`` for ``trace``/``draw``.
"""
from .draw import draw
from .trace import Trace, recording, trace

__all__ = ["Trace", "draw", "recording", "trace"]
