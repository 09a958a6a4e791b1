"""The built-in worked examples: ``example(name)`` builds the graph, backpropagates, traces.

- ``circuit``: f = (x + y) * z at x=-2, y=5, z=-4 (docs/math.md, worked example 1).
- ``neuron``: a 2-input sigmoid neuron, w=[2, -3, -3], x=[-1, -2] (worked example 2).
- ``neuron-gates``: the same neuron as CS231n draws it, sigmoid spelled out as gates
  (``*``, ``+``, ``neg``, ``exp``, ``+1``, ``1/``), the values in between left anonymous.
- ``staged``: f = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2) at x=3, y=-4 (example 3).
- ``mnist-mlp``: a [784, 30, 10] sigmoid MLP, quadratic cost, on one MNIST digit (real
  MNIST when its test files are in chainrule's data cache, ``MNIST.default_root()``, else a
  deterministic synthetic digit; the summary says which), with the four equations checked against the trace.
- ``convolution``: conv2d (3x3 kernel) -> relu -> 2x2 max-pooling on a 5x5 image, with
  docs/math.md's convolution gradients (section 4) checked against the trace.

``circuit``, ``neuron`` and ``staged`` take their inputs as keyword arguments (defaults: the
values above), so the playground's sliders can move them.
"""
from html import escape
from pathlib import Path

import numpy as np

from .. import ops
from ..tensor import Tensor
from .graph import DIGITS
from .trace import trace



class Example:
    """A worked example after backward: ``trace``, ``values`` (name -> number or array,
    the quantities docs/math.md lists) and ``summary`` (lines comparing them)."""

    def __init__(self, name, title, output, values, summary):
        self.name, self.title, self.output = name, title, output
        self.trace = trace(output)
        self.values = values
        self.summary = summary

    def _repr_html_(self):
        from .html import text_html, trace_html

        return f"<h4>{escape(self.title)}</h4>" + trace_html(self.trace) + text_html("\n".join(self.summary))

    def __str__(self):
        rule = "=" * len(self.title)
        return "\n".join([self.title, rule, str(self.trace)] + self.summary)


def _leaf(value, name):
    t = Tensor(np.asarray(value, dtype=np.float64), requires_grad=True)
    t.name = name
    return t


def _named(tensor, name):
    tensor.name = name
    return tensor


def _fmt(value):
    """Numbers as docs/math.md prints them: ten decimals, trailing zeros dropped."""
    a = np.atleast_1d(np.asarray(value, dtype=np.float64))
    items = [np.format_float_positional(round(float(v), 10), trim="-") for v in a]
    return items[0] if np.ndim(value) == 0 else "[" + ", ".join(items) + "]"


def circuit(x=-2.0, y=5.0, z=-4.0):
    x, y, z = _leaf(x, "x"), _leaf(y, "y"), _leaf(z, "z")
    q = _named(x + y, "q")
    f = _named(q * z, "f")
    ex = Example("circuit", "Worked example 1: f(x, y, z) = (x + y) * z", f, {}, [])
    ex.values = {"q": q.item(), "f": f.item(), "df/dz": z.grad.item(),
                 "df/dq": ex.trace.records[_index(ex.trace, "q")]["grad"],
                 "df/dx": x.grad.item(), "df/dy": y.grad.item()}
    ex.summary = [f"{k} = {_fmt(v)}" for k, v in ex.values.items()]
    return ex


def neuron(w0=2.0, w1=-3.0, w2=-3.0, x0=-1.0, x1=-2.0):
    w0, w1, w2 = _leaf(w0, "w0"), _leaf(w1, "w1"), _leaf(w2, "w2")
    x0, x1 = _leaf(x0, "x0"), _leaf(x1, "x1")
    w0x0, w1x1 = _named(w0 * x0, "w0x0"), _named(w1 * x1, "w1x1")
    dot = _named(_named(w0x0 + w1x1, "s") + w2, "dot")
    f = _named(ops.sigmoid(dot), "f")
    ex = Example("neuron", "Worked example 2: a sigmoid neuron f = sigmoid(w0*x0 + w1*x1 + w2)",
                 f, {}, [])
    ex.values = {"dot": dot.item(), "f": f.item(),
                 "d(dot)": ex.trace.records[_index(ex.trace, "dot")]["grad"],
                 "df/dx": np.array([x0.grad.item(), x1.grad.item()]),
                 "df/dw": np.array([w0.grad.item(), w1.grad.item(), w2.grad.item()])}
    ex.summary = [f"{k} = {_fmt(v)}" for k, v in ex.values.items()]
    return ex


def neuron_gates():
    w0, w1, w2 = _leaf(2.0, "w0"), _leaf(-3.0, "w1"), _leaf(-3.0, "w2")
    x0, x1 = _leaf(-1.0, "x0"), _leaf(-2.0, "x1")
    f = 1.0 / (1 + ops.exp(-(w0 * x0 + w1 * x1 + w2)))  # CS231n's circuit: no names in between
    ex = Example("neuron-gates", "Worked example 2, gate by gate: f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
                 f, {}, [])
    ex.values = {"f": f.item(), "df/dx": np.array([x0.grad.item(), x1.grad.item()]),
                 "df/dw": np.array([w0.grad.item(), w1.grad.item(), w2.grad.item()])}
    ex.summary = [f"{k} = {_fmt(v)}" for k, v in ex.values.items()]
    return ex


def staged(x=3.0, y=-4.0):
    x, y = _leaf(x, "x"), _leaf(y, "y")
    sigy = _named(ops.sigmoid(y), "sigy")
    num = _named(x + sigy, "num")
    sigx = _named(ops.sigmoid(x), "sigx")
    xpy = _named(x + y, "xpy")
    xpysqr = _named(xpy ** 2, "xpysqr")
    den = _named(sigx + xpysqr, "den")
    invden = _named(1.0 / den, "invden")
    f = _named(num * invden, "f")
    ex = Example("staged", "Worked example 3: f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2)",
                 f, {}, [])
    ex.values = {"f": f.item(), "df/dx": x.grad.item(), "df/dy": y.grad.item()}
    ex.summary = [f"{k} = {_fmt(v)}" for k, v in ex.values.items()] + [
        "x and y reach f along several paths: the trace shows their contributions summed (fan-out)."
    ]
    return ex


def _index(tr, name):
    return next(i for i, r in enumerate(tr.records) if r["phase"] == "forward" and r["name"] == name)


def load_digit(mnist_dir=None):
    """(image (784,) float64 in [0, 1], label, source text): the first MNIST test image
    (a 7) when the IDX files are in ``mnist_dir`` (default: chainrule's data cache, where
    ``MNIST(download=True)`` puts them), else a deterministic synthetic '7'."""
    from ..data import MNIST

    directory = Path(mnist_dir) if mnist_dir is not None else MNIST.default_root()
    if not MNIST.is_available(directory, train=False):
        return synthetic_digit(), 7, f"synthetic digit: a deterministic 28x28 '7' (no MNIST files in {directory})"
    image, label = MNIST(directory, train=False)[0]
    return np.asarray(image, dtype=np.float64).reshape(-1), int(label), f"real MNIST: test image 0 of {directory.resolve()}"


def synthetic_digit():
    """A 28x28 '7' drawn with two anti-aliased strokes, flattened to (784,)."""
    rows, cols = np.mgrid[0:28, 0:28]
    top = np.exp(-((rows - 6.0) ** 2) / 2.0) * ((cols >= 6) & (cols <= 22))
    diagonal = np.exp(-((cols - (22 - (rows - 6) * 0.45)) ** 2) / 2.0) * ((rows >= 6) & (rows <= 24))
    return np.clip(top + diagonal, 0.0, 1.0).reshape(-1)


def mnist_mlp(mnist_dir=None):
    from .. import nn
    from .nielsen import backprop

    image, label, source = load_digit(mnist_dir)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid()).double()
    for layer, name in ((model[0], "1"), (model[2], "2")):  # weights N(0, 1/n_in), biases N(0, 1)
        layer.weight._data[...] = rng.standard_normal(layer.weight.shape) / np.sqrt(layer.in_features)
        layer.bias._data[...] = rng.standard_normal(layer.bias.shape)
        layer.weight.name, layer.bias.name = "W" + name, "b" + name
    W1, b1, W2, b2 = model[0].weight, model[0].bias, model[2].weight, model[2].bias
    x, y = _named(Tensor(image), "x"), _named(Tensor(np.eye(10)[label]), "y")
    z1 = _named(W1 @ x + b1, "z1")       # the same network, written as Nielsen writes it
    a1 = _named(ops.sigmoid(z1), "a1")
    z2 = _named(W2 @ a1 + b2, "z2")
    a2 = _named(ops.sigmoid(z2), "a2")
    error = _named(a2 - y, "e")
    C = _named(0.5 * ops.sum(error * error), "C")
    ex = Example("mnist-mlp", "A [784, 30, 10] sigmoid network on one digit, quadratic cost C", C, {}, [])
    grad = {r["name"]: r["grad"] for r in ex.trace.records if r["phase"] == "forward"}
    bp = backprop(model, image, label)  # BP1-BP4 run explicitly by chainrule.explain.nielsen
    checks = [
        ("BP1 delta^2 = (a^2 - y) (.) sigma'(z^2)", bp.deltas[1], grad["z2"]),
        ("BP2 delta^1 = (w^2)^T delta^2 (.) sigma'(z^1)", bp.deltas[0], grad["z1"]),
        ("BP3 dC/db^2 = delta^2", bp.grads["2.bias"], b2.grad._data),
        ("BP3 dC/db^1 = delta^1", bp.grads["0.bias"], b1.grad._data),
        ("BP4 dC/dw^2 = delta^2 (a^1)^T", bp.grads["2.weight"], W2.grad._data),
        ("BP4 dC/dw^1 = delta^1 (a^0)^T", bp.grads["0.weight"], W1.grad._data),
    ]
    ex.values = {"label": label, "C": C.item(), "delta2": bp.deltas[1], "delta1": bp.deltas[0],
                 "max_difference": max(float(np.max(np.abs(a - b))) for _, a, b in checks)}
    ex.summary = [f"input: {source}, label {label}",
                  "the four equations (chainrule.explain.nielsen) against the trace of autograd:"]
    ex.summary += [f"  {text:<48} max |difference| = {np.max(np.abs(a - b)):.1e}" for text, a, b in checks]
    return ex


def correlate(x, k):
    """Valid cross-correlation of x (n, c, H, W) with k (n, o, h, w), summed over n:
    out[o, c, i, j] = sum x[n, c, i + p, j + q] k[n, o, p, q]."""
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape[2:], axis=(2, 3))
    return np.einsum("ncijpq,nopq->ocij", windows, k)


def route_to_max(a, dp):
    """Stride-1 max pooling's backward written out: each window's upstream gradient goes
    to the position of the window's (first) maximum; overlapping windows add."""
    k = a.shape[-1] - dp.shape[-1] + 1
    windows = np.lib.stride_tricks.sliding_window_view(a, (k, k), axis=(2, 3))
    flat = windows.reshape(windows.shape[:4] + (-1,)).argmax(axis=-1)
    n, c, i, j = np.indices(dp.shape)
    out = np.zeros_like(a)
    np.add.at(out, (n, c, i + flat // k, j + flat % k), dp)
    return out


def convolution():
    from ..nn import functional as F

    x = _leaf(np.array([[1, 2, 0, -1, 1], [0, 1, 3, 1, 0], [2, -1, 1, 0, 2],
                        [1, 0, -2, 1, 1], [0, 1, 1, 2, -1]], dtype=np.float64).reshape(1, 1, 5, 5), "x")
    w = _leaf(np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]], dtype=np.float64).reshape(1, 1, 3, 3), "w")
    b = _leaf(np.array([-1.0]), "b")
    y = _named(F.conv2d(x, w, b), "y")                        # (1, 1, 3, 3)
    a = _named(ops.relu(y), "a")
    p = _named(F.max_pool2d(a, 2, stride=1), "p")              # (1, 1, 2, 2)
    g = _named(Tensor(np.array([[1.0, -1.0], [2.0, 0.5]]).reshape(1, 1, 2, 2)), "g")
    L = _named(ops.sum(p * g), "L")
    ex = Example("convolution", "A small convolution: L = sum(g * maxpool(relu(conv2d(x, w) + b)))", L, {}, [])
    grad = {r["name"]: r["grad"] for r in ex.trace.records if r["phase"] == "forward"}
    dy = grad["y"]
    rotated = w._data[:, :, ::-1, ::-1]
    full = np.pad(dy, ((0, 0), (0, 0), (2, 2), (2, 2)))
    formulas = [
        ("db = dy summed over n, h, w", dy.sum(axis=(0, 2, 3)), b.grad._data),
        ("dw = cross-correlation of x with dy", correlate(x._data, dy), w.grad._data),
        ("dx = full convolution of dy with w rotated 180 deg", correlate(full, rotated.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3), x.grad._data),
        ("da = each window's dp routed to the window's maximum", route_to_max(a._data, grad["p"]), grad["a"]),
    ]
    ex.values = {"L": L.item(), "dy": dy[0, 0], "da": grad["a"][0, 0], "dw": w.grad._data[0, 0],
                 "db": b.grad._data, "dx": x.grad._data[0, 0],
                 "max_difference": max(float(np.max(np.abs(f - t))) for _, f, t in formulas)}
    show = lambda a: np.array2string(np.asarray(a), precision=4, separator=", ").replace("\n", "\n      ")
    ex.summary = [f"{name} =\n      {show(ex.values[name])}" for name in ("dy", "da", "dw", "dx")]
    ex.summary.append("the convolution and pooling gradients of docs/math.md (section 4) against the trace:")
    ex.summary += [f"  {text:<54} max |difference| = {np.max(np.abs(f - t)):.1e}" for text, f, t in formulas]
    return ex


EXAMPLES = {"circuit": circuit, "neuron": neuron, "neuron-gates": neuron_gates, "staged": staged, "mnist-mlp": mnist_mlp,
            "convolution": convolution}


def example(name, digits=DIGITS):
    """Build, backpropagate and trace the built-in example ``name`` (see ``EXAMPLES``), its
    trace's numbers at ``digits`` significant digits."""
    if name not in EXAMPLES:
        raise ValueError(f"explain: unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")
    ex = EXAMPLES[name]()
    if digits != DIGITS:
        ex.trace = trace(ex.output, digits)
    return ex
