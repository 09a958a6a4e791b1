"""backend: sum_to_shape (a broadcast operand's gradient is summed over the broadcast axes),
zeros_along_innermost, and quiet (ops that give inf or NaN do so silently, as PyTorch)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.backend import quiet, sum_to_shape, zeros_along_innermost


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4), (4,), (1, 4), (3, 1), (2, 1, 1), (), (1,), (1, 1, 1)])
def test_sum_to_shape_matches_the_broadcast(shape):
    grad = np.random.default_rng(0).standard_normal((2, 3, 4))
    out = sum_to_shape(grad, shape)
    assert out.shape == shape
    # the adjoint of broadcasting: <sum_to_shape(g), v> == <g, broadcast(v)>
    v = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_allclose(np.sum(out * v), np.sum(grad * np.broadcast_to(v, grad.shape)), rtol=1e-12)


def test_same_shape_is_returned_as_is():
    grad = np.ones((2, 3))
    assert sum_to_shape(grad, (2, 3)) is grad


def test_zeros_along_innermost_follow_the_memory_layout():
    c_order = np.ones((4, 3), dtype=np.float32)
    assert zeros_along_innermost(c_order).shape == (1, 3)
    assert zeros_along_innermost(np.asfortranarray(c_order)).shape == (4, 1)
    batch_inner = np.ones((6, 5, 5, 8)).transpose(3, 0, 1, 2)  # NCHW view of (C, H, W, N) memory
    zeros = zeros_along_innermost(batch_inner)
    assert zeros.shape == (8, 1, 1, 1) and zeros.dtype == np.float64 and not zeros.any()
    assert zeros_along_innermost(2.5).shape == ()



X = np.array([0.0, -1.0, 1000.0, -0.0, 2.0])
Y = np.array([0.0, 0.0, -0.5, 0.0, 1.0])
QUIET_OPS = [  # (name, function of chainrule tensors or torch tensors alike)
    ("log", lambda x, y: x.log()),
    ("log1p", lambda x, y: (x - 1).log1p()),
    ("sqrt", lambda x, y: x.sqrt()),
    ("exp", lambda x, y: x.exp()),
    ("expm1", lambda x, y: x.expm1()),
    ("div", lambda x, y: x / y),
    ("rdiv", lambda x, y: 1.0 / y),
    ("pow", lambda x, y: x ** y),
    ("pow_scalar", lambda x, y: x ** -1.0),
    ("pow_half", lambda x, y: (x + 0.0) ** 0.5),
    ("rpow", lambda x, y: 10.0 ** x),
]


@pytest.mark.parametrize("name, fn", QUIET_OPS, ids=[name for name, _ in QUIET_OPS])
def test_ops_give_torchs_inf_and_nan_without_numpy_warnings(name, fn):
    torch = pytest.importorskip("torch")
    tx, ty = torch.tensor(X, requires_grad=True), torch.tensor(Y, requires_grad=True)
    expected = fn(tx, ty)
    expected.backward(torch.ones(5, dtype=torch.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from NumPy would be raised here
        x, y = cr.tensor(X, requires_grad=True), cr.tensor(Y, requires_grad=True)
        out = fn(x, y)
        out.backward(np.ones(5))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-15)  # inf and NaN where torch has them
    for ours, theirs in ((x.grad, tx.grad), (y.grad, ty.grad)):
        if theirs is not None:
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-15)


def test_floor_division_by_zero_is_silent_as_torch():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cr.tensor(X) // cr.tensor(Y)
    np.testing.assert_array_equal(out.data, (torch.tensor(X) // torch.tensor(Y)).numpy())


def test_quiet_leaves_numpys_error_state_as_it_was():
    before = np.geterr()
    assert quiet(lambda: np.geterr())() == dict(before, divide="ignore", over="ignore", invalid="ignore")
    assert quiet(lambda: quiet(np.geterr)())()["divide"] == "ignore"  # nested calls
    assert np.geterr() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="divide by zero"):  # user code outside the ops still warns
            np.log(np.zeros(1))
