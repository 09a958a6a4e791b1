"""Every op declares what its forward keeps for backward (``saves_inputs``, ``saves_output``:
the version check reads them); checked here against the arrays it really saves."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import function

from .registry import ENTRIES
from .test_registry import samples, tensors


def _saved_arrays(saved):
    if isinstance(saved, np.ndarray):
        yield saved
    elif isinstance(saved, (tuple, list)):
        for item in saved:
            yield from _saved_arrays(item)


def _undeclared(fn, inputs):
    """[(op, what)] for saved arrays sharing memory with an input or output the op did not declare."""
    found = []

    def audit(node, out):
        if out.grad_fn is None:
            return
        for array in _saved_arrays(node.saved):
            for i, inp in enumerate(node.inputs):
                if isinstance(inp, cr.Tensor) and np.shares_memory(array, inp._data) and i not in node.saves_inputs:
                    found.append((node.op_name(), f"input {i}"))
            if np.shares_memory(array, out._data) and not node.saves_output:
                found.append((node.op_name(), "output"))

    function.forward_hooks.append(audit)
    try:
        fn(*inputs)
    finally:
        function.forward_hooks.remove(audit)
    return found


def _layer_calls():
    rng = np.random.default_rng(0)
    image = rng.standard_normal((2, 3, 6, 6))
    weight, bias = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((2, 3))
    target = np.array([0, 1, 1, 0, 1])
    probs = rng.uniform(0.1, 0.9, (5, 2))
    return [
        ("conv2d", lambda a, b, c: F.conv2d(a, b, c), (image, weight, bias)),
        ("conv2d-1x1", lambda a, b: F.conv2d(a, b), (image, weight[:, :, :1, :1])),
        ("max_pool2d", lambda a: F.max_pool2d(a, 2), (image,)),
        ("max_pool2d-padded", lambda a: F.max_pool2d(a, 3, stride=2, padding=1), (image,)),
        ("avg_pool2d", lambda a: F.avg_pool2d(a, 2), (image,)),
        ("linear", F.linear, (x, w, bias[:2])),
        ("batch_norm", lambda a, g, b: F.batch_norm(a, None, None, g, b, training=True), (image, bias[:3], bias[1:])),
        ("cross_entropy", F.cross_entropy, (x[:, :2], target)),
        ("nll_loss", F.nll_loss, (x[:, :2], target)),
        ("mse_loss", F.mse_loss, (x, x[::-1].copy())),
        ("binary_cross_entropy", F.binary_cross_entropy, (probs, probs[::-1].copy())),
        ("bce_with_logits", F.binary_cross_entropy_with_logits, (x, probs[:, :1].repeat(3, 1))),
        ("dropout", lambda a: F.dropout(a, 0.5, training=True), (x,)),
    ]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_registry_ops_declare_what_they_save(entry):
    for sample in samples(entry):
        inputs = tensors(entry, sample.inputs)
        assert _undeclared(lambda *xs: entry.fn(*xs, **sample.params), inputs) == []


@pytest.mark.parametrize("name, fn, arrays", _layer_calls(), ids=lambda v: v if isinstance(v, str) else "")
def test_layer_ops_declare_what_they_save(name, fn, arrays):
    inputs = [cr.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    assert _undeclared(fn, inputs) == []
