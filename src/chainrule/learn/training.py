"""Train a real network with the learner's own ops: their Affine, ReLU and SoftmaxCrossEntropy
(and Conv and MaxPool for the small CNN) on the 8x8 digits, and the same run with chainrule's
ops from the same start, to show their code does the job.

Only the ops are the learner's: the engine that calls their ``backward`` in order, the
optimizer (plain SGD) and the data loader are chainrule's.
"""
from dataclasses import dataclass

import numpy as np

import chainrule as cr
from chainrule.nn import functional as F

from .checker import check_op
from .workspace import LearnError, load_op

MODELS = {"mlp": ("affine", "relu", "softmax_cross_entropy"),
          "cnn": ("conv", "relu", "max_pool", "affine", "softmax_cross_entropy")}
REFERENCE_OPS = {"affine": F.linear, "relu": cr.relu, "softmax_cross_entropy": F.cross_entropy,
                 "conv": F.conv2d, "max_pool": lambda x: F.max_pool2d(x, 2)}


def learner_ops(folder, model, exercises):
    """{exercise name: the learner's op, as a function of tensors} for ``model``; a LearnError
    naming what to fix when one of them does not pass its check."""
    ops, failing = {}, []
    for name in MODELS[model]:
        op = load_op(folder, exercises[name])
        report = check_op(exercises[name], op)
        if not report.passed:
            failing.append(str(report).splitlines()[0])
        ops[name] = op.apply
    if failing:
        raise LearnError(f"train --model {model} runs your {', '.join(MODELS[model])}; first make them pass "
                         f"`chainrule learn check`:\n  " + "\n  ".join(failing))
    return ops


def initial_parameters(model, seed):
    """The starting weights (He-scaled normal), the same for the learner's run and chainrule's."""
    rng = np.random.default_rng(seed)
    shapes = {"mlp": [(32, 64), (32,), (10, 32), (10,)], "cnn": [(6, 1, 3, 3), (6,), (10, 54), (10,)]}[model]
    arrays = []
    for shape in shapes:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        arrays.append(rng.standard_normal(shape) * np.sqrt(2 / fan_in) if len(shape) > 1 else np.zeros(shape))
    return [a.astype(np.float32) for a in arrays]


def forward(model, ops, params, images):
    """Logits (n, 10) of a batch of (n, 1, 8, 8) images."""
    w1, b1, w2, b2 = params
    if model == "mlp":
        hidden = ops["relu"](ops["affine"](cr.reshape(images, (images.shape[0], 64)), w1, b1))
    else:
        pooled = ops["max_pool"](ops["relu"](ops["conv"](images, w1, b1)))  # (n, 6, 3, 3)
        hidden = cr.reshape(pooled, (images.shape[0], 54))
    return ops["affine"](hidden, w2, b2)


@dataclass
class TrainResult:
    """Mean training loss per epoch and test accuracy, for the learner's ops and chainrule's."""

    model: str
    losses: list
    accuracy: float
    reference_losses: list
    reference_accuracy: float
    largest_weight_difference: float

    def __str__(self):
        lines = [f"training a {self.model} on the 8x8 digits with your {', '.join(MODELS[self.model])}"]
        for epoch, (mine, theirs) in enumerate(zip(self.losses, self.reference_losses), 1):
            lines.append(f"  epoch {epoch}: mean loss {mine:.4f} (chainrule's ops: {theirs:.4f})")
        lines.append(f"test accuracy with your ops: {self.accuracy:.1%}; with chainrule's: {self.reference_accuracy:.1%}")
        lines.append(f"largest difference between the two runs' final weights: {self.largest_weight_difference:.2g}")
        return "\n".join(lines)


def run(model, ops, epochs, lr, batch_size, seed):
    """(losses per epoch, test accuracy, final weights) of one SGD run."""
    from chainrule.data import DataLoader
    from chainrule.data.digits import Digits

    params = [cr.tensor(a, requires_grad=True) for a in initial_parameters(model, seed)]
    optimizer = cr.optim.SGD(params, lr=lr)
    loader = DataLoader(Digits(train=True), batch_size=batch_size, shuffle=True,
                        generator=np.random.default_rng(seed))
    losses = []
    for _ in range(epochs):
        total, batches = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = ops["softmax_cross_entropy"](forward(model, ops, params, images), labels)
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches)
    correct = 0
    test = Digits(train=False)
    with cr.no_grad():
        for images, labels in DataLoader(test, batch_size=256):
            logits = np.asarray(forward(model, ops, params, images))
            correct += int((logits.argmax(axis=1) == np.asarray(labels)).sum())
    return losses, correct / len(test), [np.asarray(p.detach()) for p in params]


def train(folder, exercises, model="mlp", epochs=5, lr=0.1, batch_size=32, seed=0):
    """Train ``model`` ("mlp" or "cnn") with the learner's ops from ``folder`` and again with
    chainrule's from the same start and batch order; a ``TrainResult``."""
    if model not in MODELS:
        raise LearnError(f"unknown model {model!r}; the models are: {', '.join(MODELS)}")
    ops = learner_ops(folder, model, exercises)
    losses, accuracy, weights = run(model, ops, epochs, lr, batch_size, seed)
    reference_losses, reference_accuracy, reference_weights = run(model, REFERENCE_OPS, epochs, lr, batch_size, seed)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(weights, reference_weights))
    return TrainResult(model, losses, accuracy, reference_losses, reference_accuracy, difference)
