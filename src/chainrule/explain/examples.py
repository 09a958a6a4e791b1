"""The built-in worked examples: ``example(name)`` builds the graph, backpropagates, traces.

- ``circuit``: f = (x + y) * z at x=-2, y=5, z=-4 (math doc, worked example 1).
- ``neuron``: a 2-input sigmoid neuron, w=[2, -3, -3], x=[-1, -2] (worked example 2).
- ``staged``: f = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2) at x=3, y=-4 (example 3).
- ``mnist-mlp``: a [784, 30, 10] sigmoid MLP, quadratic cost, on one MNIST digit (real
  MNIST when ``<repo>/../shared/data/mnist`` exists, else a deterministic synthetic
  digit; the summary says which), with the four equations checked against the trace.
"""
import gzip
import struct
from pathlib import Path

import numpy as np

from .. import ops
from ..tensor import Tensor
from .trace import trace

DEFAULT_MNIST_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "mnist"


class Example:
    """A worked example after backward: ``trace``, ``values`` (name -> number or array,
    the quantities the math doc lists) and ``summary`` (lines comparing them)."""

    def __init__(self, name, title, output, values, summary):
        self.name, self.title, self.output = name, title, output
        self.trace = trace(output)
        self.values = values
        self.summary = summary

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
    """Numbers as the math doc prints them: ten decimals, trailing zeros dropped."""
    a = np.atleast_1d(np.asarray(value, dtype=np.float64))
    items = [np.format_float_positional(round(float(v), 10), trim="-") for v in a]
    return items[0] if np.ndim(value) == 0 else "[" + ", ".join(items) + "]"


def circuit():
    x, y, z = _leaf(-2.0, "x"), _leaf(5.0, "y"), _leaf(-4.0, "z")
    q = _named(x + y, "q")
    f = _named(q * z, "f")
    ex = Example("circuit", "Worked example 1: f(x, y, z) = (x + y) * z", f, {}, [])
    ex.values = {"q": q.item(), "f": f.item(), "df/dz": z.grad.item(),
                 "df/dq": ex.trace.records[_index(ex.trace, "q")]["grad"],
                 "df/dx": x.grad.item(), "df/dy": y.grad.item()}
    ex.summary = [f"{k} = {_fmt(v)}" for k, v in ex.values.items()]
    return ex


def neuron():
    w0, w1, w2 = _leaf(2.0, "w0"), _leaf(-3.0, "w1"), _leaf(-3.0, "w2")
    x0, x1 = _leaf(-1.0, "x0"), _leaf(-2.0, "x1")
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


def staged():
    x, y = _leaf(3.0, "x"), _leaf(-4.0, "y")
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
    """(image (784,) float64 in [0, 1], label, source text): MNIST training image 0 when
    the IDX files exist, else a deterministic synthetic '7'."""
    directory = Path(mnist_dir) if mnist_dir is not None else DEFAULT_MNIST_DIR
    images = directory / "train-images-idx3-ubyte.gz"
    labels = directory / "train-labels-idx1-ubyte.gz"
    if images.is_file() and labels.is_file():
        with gzip.open(images, "rb") as f:
            magic, _, rows, cols = struct.unpack(">IIII", f.read(16))
            pixels = np.frombuffer(f.read(rows * cols), dtype=np.uint8)
        with gzip.open(labels, "rb") as f:
            label_magic, _ = struct.unpack(">II", f.read(8))
            label = f.read(1)[0]
        if magic != 2051 or label_magic != 2049 or pixels.size != 784:
            raise ValueError(f"load_digit: {images} is not an MNIST IDX image file")
        return pixels / 255.0, int(label), f"real MNIST: training image 0 of {images}"
    return synthetic_digit(), 7, "synthetic digit: a deterministic 28x28 '7' (MNIST files not found)"


def synthetic_digit():
    """A 28x28 '7' drawn with two anti-aliased strokes, flattened to (784,)."""
    rows, cols = np.mgrid[0:28, 0:28]
    top = np.exp(-((rows - 6.0) ** 2) / 2.0) * ((cols >= 6) & (cols <= 22))
    diagonal = np.exp(-((cols - (22 - (rows - 6) * 0.45)) ** 2) / 2.0) * ((rows >= 6) & (rows <= 24))
    return np.clip(top + diagonal, 0.0, 1.0).reshape(-1)


def mnist_mlp(mnist_dir=None):
    image, label, source = load_digit(mnist_dir)
    rng = np.random.default_rng(0)
    x = _named(Tensor(image), "x")
    y = _named(Tensor(np.eye(10)[label]), "y")
    W1 = _leaf(rng.standard_normal((30, 784)) / np.sqrt(784), "W1")
    b1 = _leaf(rng.standard_normal(30), "b1")
    W2 = _leaf(rng.standard_normal((10, 30)) / np.sqrt(30), "W2")
    b2 = _leaf(rng.standard_normal(10), "b2")
    z1 = _named(W1 @ x + b1, "z1")
    a1 = _named(ops.sigmoid(z1), "a1")
    z2 = _named(W2 @ a1 + b2, "z2")
    a2 = _named(ops.sigmoid(z2), "a2")
    error = _named(a2 - y, "e")
    C = _named(0.5 * ops.sum(error * error), "C")
    ex = Example("mnist-mlp", "A [784, 30, 10] sigmoid network on one digit, quadratic cost C",
                 C, {}, [])
    grad = {r["name"]: r["grad"] for r in ex.trace.records if r["phase"] == "forward"}
    s1, s2 = a1.data * (1 - a1.data), a2.data * (1 - a2.data)  # sigma'(z) = a (1 - a)
    delta2 = (a2.data - label_vector(label)) * s2                 # BP1
    delta1 = (W2.data.T @ delta2) * s1                             # BP2
    checks = [
        ("BP1 delta^2 = (a^2 - y) (.) sigma'(z^2)", delta2, grad["z2"]),
        ("BP2 delta^1 = (W^2)^T delta^2 (.) sigma'(z^1)", delta1, grad["z1"]),
        ("BP3 dC/db^2 = delta^2", delta2, b2.grad),
        ("BP3 dC/db^1 = delta^1", delta1, b1.grad),
        ("BP4 dC/dW^2 = delta^2 (a^1)^T", np.outer(delta2, a1.data), W2.grad),
        ("BP4 dC/dW^1 = delta^1 (a^0)^T", np.outer(delta1, x.data), W1.grad),
    ]
    ex.values = {"label": label, "C": C.item(), "delta2": delta2, "delta1": delta1,
                 "max_difference": max(float(np.max(np.abs(a - b))) for _, a, b in checks)}
    ex.summary = [f"input: {source}, label {label}", "the four equations against autograd's trace:"]
    ex.summary += [f"  {text:<48} max |difference| = {np.max(np.abs(a - b)):.1e}" for text, a, b in checks]
    return ex


def label_vector(label):
    return np.eye(10)[label]


EXAMPLES = {"circuit": circuit, "neuron": neuron, "staged": staged, "mnist-mlp": mnist_mlp}


def example(name):
    """Build, backpropagate and trace the built-in example ``name`` (see ``EXAMPLES``)."""
    if name not in EXAMPLES:
        raise ValueError(f"explain: unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")
    return EXAMPLES[name]()
