"""Tutorial 6: patterns in gradient flow -- add distributes, max routes, multiply swaps.

Run:  python docs/tutorials/06_patterns_in_gradient_flow.py [OUTPUT_DIR]
or open it as a notebook (jupytext --to notebook docs/tutorials/06_patterns_in_gradient_flow.py).

Three gates cover most of what happens in a network's backward pass (docs/math.md,
section 1). We take CS231n's circuit f = 2 * (x * y + max(z, w)) at x = 3, y = -4, z = 2,
w = -1 and read each pattern off the trace, then see why the scale of the data matters.
"""
# %%
import sys
import tempfile
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.explain import draw, show, trace


# A notebook kernel's argv holds the kernel's own "-f FILE", not an output directory.
given = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None
out_dir = Path(given) if given else Path(tempfile.mkdtemp(prefix="chainrule-"))
out_dir.mkdir(parents=True, exist_ok=True)

# %%
x, y, z, w = (cr.tensor(v, dtype="float64", requires_grad=True) for v in (3.0, -4.0, 2.0, -1.0))
xy = x * y                 # multiply gate
m = cr.maximum(z, w)       # max gate
s = xy + m                 # add gate
f = s * 2.0                # times the constant 2
for tensor, name in [(x, "x"), (y, "y"), (z, "z"), (w, "w"), (xy, "xy"), (m, "m"), (s, "s"), (f, "f")]:
    tensor.name = name     # the names the trace and the diagram show
show(trace(f))  # a table in a notebook, text in a terminal

# %%
grads = {t.name: float(np.asarray(t.grad)) for t in (x, y, z, w)}
print("dx = {x:g}, dy = {y:g}, dz = {z:g}, dw = {w:g}".format(**grads))
assert grads == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}
# add distributes: ds = 2 reaches both xy and m unchanged.
# max routes: z = 2 is larger than w = -1, so z gets all of dm = 2 and w gets 0.
# multiply swaps: dx = dxy * y = 2 * -4 = -8 and dy = dxy * x = 2 * 3 = 6.
print("add distributes: dxy = dm = ds = 2; max routes: dz = 2, dw = 0; multiply swaps: dx = 2 * y, dy = 2 * x")
draw(f, out_dir / "patterns.png", format="png")
draw(f, out_dir / "patterns.svg")  # the cell's last value: a notebook shows the diagram

# %%
# The multiply gate's swap has a consequence for learning: the gradient on a weight is the
# upstream gradient times the *input*. Scale the data by 1000 and the weight gradients
# grow 1000 times, so the learning rate that worked before is now far too large.
weights = cr.tensor([0.5, -0.2, 0.1], dtype="float64", requires_grad=True)
data = np.array([3.0, -4.0, 2.0])
for scale in (1.0, 1000.0):
    weights.grad = None
    score = cr.sum(weights * cr.tensor(data * scale))
    score.backward()
    print(f"data times {scale:g}: dscore/dweights = {np.asarray(weights.grad)}")
    assert np.array_equal(np.asarray(weights.grad), data * scale)
print("scaling the data by 1000 scales the weight gradient by 1000: normalise inputs before training")
print(f"diagrams written to {out_dir}")
