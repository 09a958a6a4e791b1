"""Tutorial 1: gates and circuits -- the chain rule, one gate at a time.

Run:  python docs/tutorials/01_gates_and_circuits.py [OUTPUT_DIR]
or open it as a notebook (jupytext --to notebook docs/tutorials/01_gates_and_circuits.py).

A computation is a circuit of small gates. Forward, each gate computes its output;
backward, each gate multiplies the upstream gradient by its local gradient and hands
the result to its inputs. We rebuild the three worked examples of docs/math.md
(section 1) and let chainrule.explain show every number.
"""
# %%
import sys
import tempfile
from pathlib import Path

import chainrule as cr
from chainrule.explain import draw, recording, show, trace


def scalar(value, name):
    """A named float64 input that requires grad."""
    t = cr.tensor(value, dtype="float64", requires_grad=True)
    t.name = name
    return t


def named(tensor, name):
    tensor.name = name
    return tensor


# A notebook kernel's argv holds the kernel's own "-f FILE", not an output directory.
given = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None
out_dir = Path(given) if given else Path(tempfile.mkdtemp(prefix="chainrule-"))
out_dir.mkdir(parents=True, exist_ok=True)

# %%
# --- 1. f(x, y, z) = (x + y) * z: an add gate feeding a multiply gate -----------------
x, y, z = scalar(-2.0, "x"), scalar(5.0, "y"), scalar(-4.0, "z")
q = named(x + y, "q")
f = named(q * z, "f")
t = trace(f)  # runs backward itself, recording every intermediate gradient
show(t)
# The multiply gate swaps its inputs: df/dq = z = -4, df/dz = q = 3.
# The add gate copies the upstream gradient to both inputs: df/dx = df/dy = -4.
assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
draw(f, out_dir / "circuit.svg")

# %%
# --- 2. a sigmoid neuron: f = sigmoid(w0*x0 + w1*x1 + w2) --------------------------------
w0, w1, w2 = scalar(2.0, "w0"), scalar(-3.0, "w1"), scalar(-3.0, "w2")
x0, x1 = scalar(-1.0, "x0"), scalar(-2.0, "x1")
dot = named(named(w0 * x0, "w0x0") + named(w1 * x1, "w1x1") + w2, "dot")
f = named(cr.sigmoid(dot), "f")
# Here we call backward ourselves; recording() keeps the intermediate gradients for trace.
with recording():
    f.backward()
show(trace(f))
# The sigmoid gate's local gradient is s(1 - s) = 0.7310585786 * 0.2689414214 = 0.1966119332.
print(f"df/dx = [{x0.grad:.10f}, {x1.grad:.10f}]")
print(f"df/dw = [{w0.grad:.10f}, {w1.grad:.10f}, {w2.grad:.10f}]")
assert abs(x0.grad - 0.3932238665) < 1e-9 and abs(w2.grad - 0.1966119332) < 1e-9
# The same neuron as CS231n draws it: the sigmoid spelled out as gates, nothing named in
# between. Each anonymous value is a wire, its value above and its gradient below.
for v in (w0, w1, w2, x0, x1):
    v.grad = None
f = 1.0 / (1 + cr.exp(-(w0 * x0 + w1 * x1 + w2)))
draw(f, out_dir / "neuron_gates.svg")
assert abs(w2.grad - 0.1966119332) < 1e-9

# %%
# --- 3. a staged function where x and y fan out: their gradients add -------------------
x, y = scalar(3.0, "x"), scalar(-4.0, "y")
sigy = named(cr.sigmoid(y), "sigy")        # sigmoid in numerator
num = named(x + sigy, "num")               # numerator
sigx = named(cr.sigmoid(x), "sigx")        # sigmoid in denominator
xpy = named(x + y, "xpy")
xpysqr = named(xpy ** 2, "xpysqr")
den = named(sigx + xpysqr, "den")          # denominator
invden = named(1.0 / den, "invden")
f = named(num * invden, "f")
t = trace(f)
show(t)
# x reaches f through num, sigx and xpy: the trace lists three contributions "dx += ..."
contributions = [r for r in t.records if r["phase"] == "backward" and r["name"] == "x"]
print("contributions to dx:", [round(r["grad"], 10) for r in contributions])
print(f"f = {f.item():.10f}, df/dx = {x.grad:.10f}, df/dy = {y.grad:.10f}")
assert len(contributions) == 3
assert abs(x.grad - 2.0595697956) < 1e-9 and abs(y.grad - 1.5922327515) < 1e-9
draw(f, out_dir / "staged.svg")
draw(f, out_dir / "staged.dot", format="dot")
print(f"diagrams written to {out_dir}")
