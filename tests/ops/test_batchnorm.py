import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.autograd.function import ShapeError
from chainrule.ops.batchnorm import batch_norm

SHAPES = [(5, 3), (4, 3, 7), (3, 2, 5, 4)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
def test_train_and_eval_steps_match_torch_including_running_stats(dtype, shape):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    c = shape[1]
    running = [np.zeros(c, dtype), np.ones(c, dtype)]
    torch_running = [torch.zeros(c, dtype=torch.float64 if dtype == np.float64 else torch.float32),
                     torch.ones(c, dtype=torch.float64 if dtype == np.float64 else torch.float32)]
    weight, bias = rng.standard_normal(c).astype(dtype), rng.standard_normal(c).astype(dtype)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    for training in (True, True, False, True, False):  # running stats change over steps, eval reads them
        x = (3 * rng.standard_normal(shape) + 2).astype(dtype)
        grad = rng.standard_normal(shape).astype(dtype)
        ours = [cr.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        out = batch_norm(ours[0], *running, ours[1], ours[2], training=training, momentum=0.2)
        expected = F.batch_norm(theirs[0], *torch_running, theirs[1], theirs[2], training=training, momentum=0.2)
        out.backward(grad)
        expected.backward(torch.from_numpy(grad))
        assert out.dtype == dtype and running[0].dtype == dtype
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **tol)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad, b.grad.numpy(), **tol)
        for a, b in zip(running, torch_running):
            np.testing.assert_allclose(a, b.numpy(), **tol)


def _composed_batch_norm(x, weight, bias, eps=1e-5):
    """The reference: training-mode batch norm built from core ops, differentiated by the engine."""
    axes = (0,) + tuple(range(2, x.ndim))
    channel = (1, -1) + (1,) * (x.ndim - 2)
    mean = cr.mean(x, dim=axes, keepdim=True)
    var = cr.var(x, dim=axes, unbiased=False, keepdim=True)
    return (x - mean) / cr.sqrt(var + eps) * weight.reshape(channel) + bias.reshape(channel)


@pytest.mark.parametrize("shape", SHAPES)
def test_fused_backward_formula_matches_the_composed_graph(shape):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])]
    grad = rng.standard_normal(shape)
    results = []
    for fn in (lambda x, w, b: batch_norm(x, None, None, w, b, training=True), _composed_batch_norm):
        leaves = [cr.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*leaves)
        out.backward(grad)
        results.append([out.detach().numpy()] + [leaf.grad for leaf in leaves])
    for fused, composed in zip(*results):
        np.testing.assert_allclose(fused, composed, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(training):
    rng = np.random.default_rng(2)
    running = (rng.standard_normal(2), rng.random(2) + 0.5)
    gradcheck(lambda x, w, b: batch_norm(x, *running, w, b, training=training, momentum=0.0),
              [rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(2), rng.standard_normal(2)])


def test_training_output_is_normalized_per_channel_and_affine_defaults():
    x = np.random.default_rng(3).standard_normal((8, 2, 3, 3)) * 5 + 7
    out = batch_norm(cr.tensor(x), None, None, training=True, eps=0.0).detach().numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, atol=1e-12)


def test_running_variance_uses_the_unbiased_estimate():
    x = np.array([[1.0], [3.0]])  # biased variance 1, unbiased 2
    running_mean, running_var = np.zeros(1), np.zeros(1)
    batch_norm(cr.tensor(x), running_mean, running_var, training=True, momentum=1.0)
    assert running_mean[0] == 2.0 and running_var[0] == 2.0


@pytest.mark.parametrize("args, kwargs, error, message", [
    (((4,), None, None), dict(training=True), ShapeError,
     "batch_norm: expected an input (N, C, *) of at least 2 dims, got shape (4,)"),
    (((4, 3), np.zeros(2), np.ones(2)), {}, ShapeError,
     "batch_norm: running_mean of shape (2,) does not match the 3 channels of the input of shape (4, 3)"),
    (((1, 3), np.zeros(3), np.ones(3)), dict(training=True), ValueError,
     "batch_norm: expected more than 1 value per channel when training, got input of shape (1, 3)"),
    (((4, 3), None, None), dict(training=False), ValueError,
     "batch_norm: running_mean and running_var must be given in evaluation mode"),
])
def test_batch_norm_errors(args, kwargs, error, message):
    shape, *running = args
    with pytest.raises(error, match=re.escape(message)):
        batch_norm(cr.zeros(*shape), *running, **kwargs)
