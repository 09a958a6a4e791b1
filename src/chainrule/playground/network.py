"""The network view's model: a small MLP on 2-D points, trained and explained by chainrule.

``NetworkSession(settings)`` holds one page's dataset, ``nn.Sequential`` model and
optimizer. ``train(steps)`` runs mini-batch steps; ``frame()`` is what the page draws
(losses, the decision boundary and each neuron's output on a grid, the weights);
``backward()`` runs one mini-batch's forward and backward pass while
``explain.recording()`` keeps every intermediate gradient, and returns BP1-BP4's
quantities per layer: z, a, sigma'(z), dC/da, delta = dC/dz and dC/dW, dC/db.

The output is one logit; the cost is the batch mean of the binary cross-entropy of
sigmoid(logit) against the label (``binary_cross_entropy_with_logits``), so the output
delta is (sigmoid(z^L) - y) / m.
"""
import numpy as np

from .. import nn, no_grad, optim, ops
from ..explain.trace import Account, recording
from ..nn import functional as F
from ..tensor import Tensor
from . import datasets
from .messages import MessageError, check_keys, choice, integer, json_number, number
from .seeding import seeded

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "linear": None}
OPTIMIZERS = ("adam", "sgd")
MAX_LAYERS, MAX_NEURONS, MAX_POINTS, MAX_BATCH, MAX_STEPS = 8, 16, 2000, 100, 200
GRID, NEURON_GRID, EXTENT = 64, 24, 1.25  # boundary grid, per-neuron grid, plot covers [-EXTENT, EXTENT]^2
SETTINGS = ("dataset", "noise", "points", "test_fraction", "hidden", "activation", "optimizer",
            "lr", "batch_size", "l2", "seed")
PRESETS = {
    "xor": {"dataset": "xor", "hidden": [4, 4], "activation": "tanh", "lr": 0.05, "optimizer": "adam"},
    "vanishing": {"dataset": "circle", "hidden": [8] * 8, "activation": "sigmoid", "lr": 0.1,
                  "optimizer": "sgd"},
}


def read_settings(message):
    """The network settings in ``message``, checked; defaults for what it leaves out."""
    check_keys(message, SETTINGS)
    hidden = message.get("hidden", [4, 4])
    if not isinstance(hidden, list) or len(hidden) > MAX_LAYERS:
        raise MessageError(f"hidden must be a list of at most {MAX_LAYERS} layer sizes, got {hidden!r}")
    for size in hidden:
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_NEURONS:
            raise MessageError(f"every hidden layer size must be an integer from 1 to {MAX_NEURONS}, got {size!r}")
    return {
        "dataset": choice(message, "dataset", "circle", datasets.DATASETS),
        "noise": number(message, "noise", 0.05, 0.0, 0.5),
        "points": integer(message, "points", 400, 20, MAX_POINTS),
        "test_fraction": number(message, "test_fraction", 0.5, 0.1, 0.9),
        "hidden": list(hidden),
        "activation": choice(message, "activation", "tanh", tuple(ACTIVATIONS)),
        "optimizer": choice(message, "optimizer", "adam", OPTIMIZERS),
        "lr": number(message, "lr", 0.03, 1e-5, 10.0),
        "batch_size": integer(message, "batch_size", 10, 1, MAX_BATCH),
        "l2": number(message, "l2", 0.0, 0.0, 1.0),
        "seed": integer(message, "seed", 0, 0, 2**31 - 1),
    }


def _grid(size):
    """(size*size, 2) points covering the plot, row by row from the top (y = +EXTENT)."""
    ticks = np.linspace(-EXTENT, EXTENT, size)
    xs, ys = np.meshgrid(ticks, ticks[::-1])
    return np.stack([xs.ravel(), ys.ravel()], 1)


def _thousandths(values):
    """``values`` (finite or not) as ints: round(1000 * value), NaN as 0."""
    return np.rint(1000 * np.nan_to_num(values)).astype(int).tolist()


class NetworkSession:
    """One page's dataset, model and optimizer (see the module docstring)."""

    def __init__(self, settings):
        self.settings = settings
        rng = np.random.default_rng(settings["seed"])
        x, y = datasets.make(settings["dataset"], settings["points"], settings["noise"], rng)
        n_test = max(1, int(round(settings["test_fraction"] * len(x))))
        self.x_test, self.y_test, self.x_train, self.y_train = x[:n_test], y[:n_test], x[n_test:], y[n_test:]
        self.rng = rng
        sizes = [2] + settings["hidden"] + [1]
        kind = ACTIVATIONS[settings["activation"]]
        with seeded(settings["seed"]):  # the initial weights depend on the seed only
            self.linears = [nn.Linear(n_in, n_out, dtype="float64") for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        # the activation after each Linear; None after the output layer (or for "linear")
        self.activations = [kind() if kind is not None else None for _ in self.linears[:-1]] + [None]
        self.model = nn.Sequential(*[m for pair in zip(self.linears, self.activations) for m in pair if m is not None])
        optimizer = optim.Adam if settings["optimizer"] == "adam" else optim.SGD
        self.optimizer = optimizer(self.model.parameters(), lr=settings["lr"], weight_decay=settings["l2"])
        self.steps = 0

    def _batch(self):
        size = min(self.settings["batch_size"], len(self.x_train))
        return self.rng.choice(len(self.x_train), size=size, replace=False)

    def _loss(self, x, y):
        return F.binary_cross_entropy_with_logits(self.model(Tensor(x)), Tensor(y[:, None]))

    def train(self, steps):
        """``steps`` optimizer steps, each on a fresh random mini-batch of the training set."""
        for _ in range(steps):
            index = self._batch()
            self.optimizer.zero_grad()
            self._loss(self.x_train[index], self.y_train[index]).backward()
            self.optimizer.step()
            self.steps += 1

    def _forward(self, x):
        """[(z^l, a^l)] for every layer on the input Tensor ``x`` (a^L = z^L, the logit)."""
        values, a = [], x
        for linear, activation in zip(self.linears, self.activations):
            z = linear(a)
            a = z if activation is None else activation(z)
            values.append((z, a))
        return values

    def _layer_outputs(self, x):
        """Every layer's output a^l on the points ``x`` (n, 2) as arrays, no graph."""
        with no_grad():
            return [np.asarray(a) for _, a in self._forward(Tensor(x))]

    def frame(self):
        """What the page draws after a step: losses, boundary, neuron heatmaps, weights."""
        with no_grad():
            train_loss = float(np.asarray(self._loss(self.x_train, self.y_train)))
            test_loss = float(np.asarray(self._loss(self.x_test, self.y_test)))
        boundary = np.asarray(ops.sigmoid(Tensor(self._layer_outputs(_grid(GRID))[-1][:, 0])))
        neurons = self._layer_outputs(_grid(NEURON_GRID))
        return {
            "steps": self.steps,
            "train_loss": json_number(train_loss), "test_loss": json_number(test_loss),
            "grid": GRID, "neuron_grid": NEURON_GRID, "extent": EXTENT,
            # pictures, not numbers to read: whole numbers in thousandths, small and quick to
            # encode; the boundary's P(class 1) and each neuron's tanh(a), squashed into [-1, 1]
            "boundary": _thousandths(boundary),
            "neurons": [_thousandths(np.tanh(layer.T)) for layer in neurons[:-1]],
            "weights": [json_number(layer.weight) for layer in self.linears],
            "biases": [json_number(layer.bias) for layer in self.linears],
        }

    def data(self):
        return {"train": {"x": json_number(self.x_train), "y": json_number(self.y_train)},
                "test": {"x": json_number(self.x_test), "y": json_number(self.y_test)}}

    def backward(self):
        """One mini-batch's backward pass, layer by layer (see the module docstring)."""
        index = self._batch()
        x, y = self.x_train[index], self.y_train[index]
        with recording():
            values = self._forward(Tensor(x))
            loss = F.binary_cross_entropy_with_logits(values[-1][1], Tensor(y[:, None]))
            self.optimizer.zero_grad()
            loss.backward()
        grads = Account(loss).grads
        layers = []
        for i, (linear, (z, a)) in enumerate(zip(self.linears, values)):
            layer = {
                "z": json_number(z), "a": json_number(a),
                "delta": json_number(grads[id(z)]),
                "weight": json_number(linear.weight), "bias": json_number(linear.bias),
                "weight_grad": json_number(linear.weight.grad), "bias_grad": json_number(linear.bias.grad),
            }
            if linear is self.linears[-1]:
                layer["prob"] = json_number(ops.sigmoid(z))
            else:
                layer["a_grad"] = json_number(grads[id(a)])
                layer["local"] = json_number(self._activation_derivative(i, z))
            layers.append(layer)
        return {"index": index.tolist(), "x": json_number(x), "y": json_number(y),
                "loss": json_number(loss), "layers": layers}

    def _activation_derivative(self, i, z):
        """sigma'(z) of layer ``i`` by chainrule's engine: backpropagate ones through it."""
        activation = self.activations[i]
        if activation is None:
            return np.ones(z.shape)
        leaf = Tensor(np.array(z), requires_grad=True)
        activation(leaf).backward(np.ones(z.shape))
        return leaf.grad
