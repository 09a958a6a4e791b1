"""In-place Tensor methods against PyTorch: values, the tensor returned, version counters."""
import numpy as np
import pytest
import torch

import chainrule as cr

RNG = np.random.default_rng(0)
X = RNG.uniform(0.5, 2.0, (3, 4))
OTHER = RNG.uniform(0.5, 2.0, (3, 4))
ROW = RNG.uniform(0.5, 2.0, (4,))

# (method, args as arrays or numbers, kwargs): arrays become tensors of the dtype under test
CALLS = [
    ("add_", (OTHER,), {}), ("add_", (ROW,), {"alpha": -0.5}), ("add_", (2.0,), {}),
    ("sub_", (OTHER,), {"alpha": 3}), ("mul_", (ROW,), {}), ("mul_", (-1.5,), {}),
    ("div_", (OTHER,), {}), ("div_", (OTHER,), {"rounding_mode": "floor"}),
    ("div_", (-0.7,), {"rounding_mode": "trunc"}), ("pow_", (2,), {}), ("pow_", (OTHER,), {}),
    ("addcmul_", (OTHER, ROW), {"value": 0.25}), ("addcdiv_", (OTHER, ROW), {"value": -2}),
    ("lerp_", (OTHER, 0.3), {}), ("lerp_", (OTHER, ROW), {}), ("copy_", (ROW,), {}),
    ("fill_", (1.25,), {}), ("zero_", (), {}), ("clamp_", (0.8, 1.5), {}),
    ("clamp_", (None, 1.0), {}), ("clamp_", (), {"min": 1.1}), ("clip_", (0.9, 1.2), {}),
    ("neg_", (), {}), ("exp_", (), {}), ("log_", (), {}), ("sqrt_", (), {}), ("abs_", (), {}),
    ("sin_", (), {}), ("cos_", (), {}), ("tanh_", (), {}), ("sigmoid_", (), {}), ("relu_", (), {}),
]


def _args(args, dtype, make):
    return [make(a.astype(dtype)) if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method, args, kwargs", CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_in_place_methods_match_pytorch(method, args, kwargs, dtype):
    ours = cr.tensor(X.astype(dtype))
    theirs = torch.tensor(X.astype(dtype))
    result = getattr(ours, method)(*_args(args, dtype, cr.tensor), **kwargs)
    expected = getattr(theirs, method)(*_args(args, dtype, torch.tensor), **kwargs)
    assert result is ours and ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-6)
    assert ours._version == theirs._version == 1


def test_random_fills_use_chainrules_generator():
    cr.manual_seed(3)
    first = cr.zeros(1000).uniform_(-2, 3)
    assert first.numpy().min() >= -2 and first.numpy().max() < 3 and abs(first.numpy().mean() - 0.5) < 0.15
    cr.manual_seed(3)
    again = cr.zeros(1000).uniform_(-2, 3)
    np.testing.assert_array_equal(again.numpy(), first.numpy())
    normal = cr.zeros(20000, dtype=cr.float64).normal_(1.5, 0.5)
    assert abs(normal.numpy().mean() - 1.5) < 0.02 and abs(normal.numpy().std() - 0.5) < 0.02
    own = cr.zeros(5).normal_(generator=np.random.default_rng(7))
    np.testing.assert_allclose(own.numpy(), np.random.default_rng(7).normal(0, 1, 5).astype(np.float32))
    with pytest.raises(ValueError, match="uniform_: expects a <= b"):
        cr.zeros(2).uniform_(1, 0)
    with pytest.raises(ValueError, match="normal_: expects std >= 0"):
        cr.zeros(2).normal_(0, -1)
    with pytest.raises(TypeError, match="uniform_: expects a floating point tensor"):
        cr.zeros(2, dtype=cr.int64).uniform_()


def test_version_counter_is_shared_with_detach_not_data_as_in_pytorch():
    ours, theirs = cr.ones(3), torch.ones(3)
    ours.detach().add_(1)
    theirs.detach().add_(1)
    ours.data.mul_(2)
    theirs.data.mul_(2)
    assert ours._version == theirs._version == 1
    ours[0] = 5.0
    theirs[0] = 5.0
    ours += 1
    theirs += 1
    assert ours._version == theirs._version == 3
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_leaf_that_requires_grad_is_refused_under_grad_mode():
    w = cr.ones(3, requires_grad=True)
    for change in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 2.0),
                   lambda: w.__iadd__(1)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            change()
    with cr.no_grad():
        w.mul_(3).sub_(1)
    w.data.add_(1)  # .data is detached: allowed, as in PyTorch
    np.testing.assert_array_equal(w.detach().numpy(), [3.0, 3.0, 3.0])
    assert w._version == 2


def test_non_leaf_in_place_is_refused_clearly():
    y = cr.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"add_: in-place operations on a non-leaf tensor .* not supported yet"):
        y.add_(1)
    y += 1  # the operator falls back to y = y + 1 (a new node), so the graph stays right
    y.sum().backward()


def test_bad_operands_name_the_method():
    with pytest.raises(ValueError, match=r"add_: .*shape \(3,\)"):
        cr.ones(3).add_(cr.ones(4))
    with pytest.raises(TypeError, match=r"mul_: .*dtype int64"):
        cr.ones(3, dtype=cr.int64).mul_(1.5)
    with pytest.raises(ValueError, match=r"copy_: the source of shape \(2,\) cannot be broadcast to the tensor's shape \(3,\)"):
        cr.ones(3).copy_(cr.ones(2))
    with pytest.raises(RuntimeError, match="fill_: only supports a 0-dimension value tensor"):
        cr.ones(3).fill_(cr.ones(2))
    with pytest.raises(ValueError, match="clamp_: at least one of min and max"):
        cr.ones(3).clamp_()
    with pytest.raises(ValueError, match="div_: rounding_mode must be"):
        cr.ones(3).div_(2, rounding_mode="round")


MASK = RNG.random((3, 4)) > 0.5
INDEX = np.array([[2, 0, 1, 2], [1, 1, 0, 0]])


@pytest.mark.parametrize("method, args, kwargs", [
    ("masked_fill_", (MASK, -1.5), {}), ("masked_fill_", (MASK[0], 0.0), {}),
    ("scatter_", (0, INDEX, OTHER), {}), ("scatter_", (1, INDEX[:, :2], 7.0), {}),
    ("scatter_", (0, INDEX), {"value": 2.5}),
], ids=["masked_fill_", "masked_fill_-row", "scatter_-src", "scatter_-number", "scatter_-value"])
def test_masked_fill_and_scatter_in_place_match_pytorch(method, args, kwargs):
    """Masks and indices stay bool and int64 (they are not values to cast)."""
    ours, theirs = cr.tensor(X), torch.tensor(X)
    def make(lib):
        return [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    result = getattr(ours, method)(*make(cr), **kwargs)
    getattr(theirs, method)(*make(torch), **kwargs)
    assert result is ours and ours._version == theirs._version == 1
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_masked_fill_and_scatter_in_place_errors():
    with pytest.raises(ValueError, match=r"masked_fill_: the mask of shape \(2,\) cannot be broadcast"):
        cr.zeros(3, 4).masked_fill_(cr.tensor([True, False]), 1.0)
    with pytest.raises(IndexError, match="scatter_: .*dim 0"):
        cr.zeros(2, 2).scatter_(0, cr.tensor([[5, 0]]), 1.0)
    with pytest.raises(TypeError, match="scatter_: give exactly one of src"):
        cr.zeros(2).scatter_(0, cr.tensor([0]))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        cr.zeros(2, requires_grad=True).masked_fill_(cr.tensor([True, False]), 1.0)
