import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.explain.fadjoint import fadjoint
from chainrule.explain.nielsen import backprop
from chainrule.nn import functional as F

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
LOSSES = {"quadratic": F.quadratic_cost, "cross_entropy": F.cross_entropy}


def network(activation, sizes=(5, 4, 3), last_activation=True, seed=0):
    cr.manual_seed(seed)
    modules = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        modules.append(nn.Linear(n_in, n_out))
        if last_activation or i < len(sizes) - 2:
            modules.append(ACTIVATIONS[activation]())
    return nn.Sequential(*modules).double()


def batch(m=6, n_in=5, classes=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n_in)), rng.integers(0, classes, size=m)


def autograd(model, x, y, cost):
    model.zero_grad()
    xb, yb = (x[None], np.asarray(y)[None]) if x.ndim == 1 else (x, y)
    loss = LOSSES[cost](model(cr.tensor(xb)), cr.tensor(yb))
    loss.backward()
    return loss.item(), {name: p.grad for name, p in model.named_parameters()}


def assert_grads_equal(grads, reference):
    assert list(grads) == list(reference)
    for name in reference:
        np.testing.assert_allclose(grads[name], reference[name], rtol=0, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("method", [backprop, fadjoint])
def test_batch_and_single_example_equal_autograd(method, activation, cost):
    model = network(activation, last_activation=cost == "quadratic")
    x, y = batch()
    result = method(model, x, y, cost=cost)
    loss, reference = autograd(model, x, y, cost)
    assert result.cost == pytest.approx(loss, abs=1e-12)
    assert_grads_equal(result.grads, reference)
    single = method(model, x[2], y[2], cost=cost)
    _, reference = autograd(model, x[2], y[2], cost)
    assert_grads_equal(single.grads, reference)


def test_nielsen_exposes_every_z_a_and_delta():
    model = network("sigmoid", sizes=(5, 4, 4, 3))
    x, y = batch()
    result = backprop(model, x, y)
    assert [z.shape for z in result.zs] == [(4, 6), (4, 6), (3, 6)]
    assert [a.shape for a in result.activations] == [(5, 6), (4, 6), (4, 6), (3, 6)]
    assert [d.shape for d in result.deltas] == [(4, 6), (4, 6), (3, 6)]
    np.testing.assert_array_equal(result.activations[0], x.T)
    # every delta^l is dC_x/dz^l: the gradient of the summed cost with respect to z^l, per column
    zs = []
    model[0].register_forward_hook(lambda module, inputs, out: zs.append(out) or out.retain_grad())
    out = model(cr.tensor(x))
    (F.quadratic_cost(out, cr.tensor(y)) * len(x)).backward()
    np.testing.assert_allclose(result.deltas[0], zs[0].grad.T, rtol=0, atol=1e-12)
    # the matrix form equals the per-example algorithm, column by column
    for i in range(len(x)):
        single = backprop(model, x[i], y[i])
        for l in range(3):
            np.testing.assert_allclose(result.deltas[l][:, i], single.deltas[l], rtol=0, atol=1e-14)


def test_quadratic_cost_takes_one_hot_targets():
    model = network("tanh")
    x, y = batch()
    by_index = backprop(model, x, y)
    by_one_hot = backprop(model, x, np.eye(3)[y])
    assert_grads_equal(by_one_hot.grads, by_index.grads)


def test_fadjoint_folds_the_bias_and_y_star_is_delta():
    model = network("sigmoid", sizes=(5, 4, 3))
    x, y = batch()
    fa, bp = fadjoint(model, x, y), backprop(model, x, y)
    assert [X.shape for X in fa.X] == [(6, 6), (5, 6), (3, 6)]  # constant 1 appended below x, a^1
    np.testing.assert_array_equal(fa.X[0][-1], np.ones(6))
    np.testing.assert_array_equal(fa.W[0], np.column_stack([model[0].weight.data, model[0].bias.data]))
    for l in range(2):  # Y* is delta of the mean cost: delta / m
        np.testing.assert_allclose(fa.Y_star[l], bp.deltas[l] / 6, rtol=0, atol=1e-15)
        np.testing.assert_allclose(fa.Y[l], bp.zs[l], rtol=0, atol=1e-14)
    assert len(fa.X_star) == 3 and fa.X_star[0].shape == (5, 6)


def test_models_it_cannot_read():
    with pytest.raises(TypeError, match="module 0 \\(Sigmoid\\) must follow a Linear"):
        backprop(nn.Sequential(nn.Sigmoid(), nn.Linear(2, 2)), np.zeros(2), 0)
    with pytest.raises(TypeError, match="Dropout"):
        fadjoint(nn.Sequential(nn.Linear(2, 2), nn.Dropout()), np.zeros(2), 0)
    with pytest.raises(ValueError, match="shape"):
        backprop(nn.Sequential(nn.Linear(2, 2)).double(), np.zeros(3), 0)
    with pytest.raises(ValueError, match="cost must be"):
        backprop(nn.Sequential(nn.Linear(2, 2)).double(), np.zeros(2), 0, cost="hinge")


def test_zoo_models_with_a_leading_flatten_and_image_batches():
    from chainrule import models

    cr.manual_seed(0)
    model = models.nielsen((16, 5, 3)).double()
    rng = np.random.default_rng(2)
    images, labels = rng.random((4, 1, 4, 4)), np.array([0, 2, 1, 2])
    _, reference = autograd(model, images, labels, "quadratic")
    assert_grads_equal(backprop(model, images, labels).grads, reference)
    assert_grads_equal(fadjoint(model, images, labels).grads, reference)


def test_fadjoint_with_the_summed_cost_of_the_paper():
    """reduction='sum': J is the sum over the batch (no 1/m), as autograd of 1/2 sum ||a - y||^2."""
    model = network("sigmoid")
    x, y = batch()
    summed, mean = fadjoint(model, x, y, reduction="sum"), fadjoint(model, x, y)
    model.zero_grad()
    loss = 0.5 * F.mse_loss(model(cr.tensor(x)), cr.tensor(np.eye(3)[y]), reduction="sum")
    loss.backward()
    assert_grads_equal(summed.grads, {name: np.asarray(p.grad) for name, p in model.named_parameters()})
    assert summed.cost == pytest.approx(loss.item(), rel=1e-12) == pytest.approx(6 * mean.cost, rel=1e-12)
    with pytest.raises(ValueError, match="fadjoint: reduction must be 'mean' or 'sum', got 'none'"):
        fadjoint(model, x, y, reduction="none")
