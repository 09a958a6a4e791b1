import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

rng = np.random.default_rng(7)
SHAPES = [(3, 4), (4,), (2, 2, 2)]
UPSTREAM = [rng.standard_normal(s) * 3 for s in SHAPES]


def with_grads(lib, dtype, upstream=UPSTREAM):
    """Parameters whose gradients are ``upstream``, made by a backward pass (in chainrule or torch)."""
    if lib == "torch":
        import torch
        params = [torch.ones(u.shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
                  for u in upstream]
        sum((p * torch.from_numpy(u.astype(dtype))).sum() for p, u in zip(params, upstream)).backward()
        return params
    params = [nn.Parameter(cr.ones(*u.shape, dtype=dtype)) for u in upstream]
    sum((p * u.astype(dtype)).sum() for p, u in zip(params, upstream)).backward()
    return params


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = with_grads("chainrule", dtype), with_grads("torch", dtype)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    tol = dict(rtol=1e-12) if dtype == np.float64 else dict(rtol=2e-6)
    assert isinstance(total, cr.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), expected.item(), **tol)
    for p, q in zip(ours, theirs):
        assert np.asarray(p.grad).dtype == dtype
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), **tol)


def test_clipped_total_norm_is_max_norm():
    params = with_grads("chainrule", np.float64)
    before = nn.utils.clip_grad_norm_(params, 1.0).item()
    after = np.sqrt(sum((np.asarray(p.grad) ** 2).sum() for p in params))
    assert before > 1 and after == pytest.approx(1.0 / (1 + 1e-6 / before), rel=1e-12)


def test_one_tensor_and_parameters_without_grads():
    param = with_grads("chainrule", np.float64)[0]
    unused = nn.Parameter(cr.ones(3))
    total = nn.utils.clip_grad_norm_(param, 1e9)
    assert total.item() == pytest.approx(np.linalg.norm(UPSTREAM[0]), rel=1e-14)
    assert nn.utils.clip_grad_norm_([unused], 1.0).item() == 0.0 and unused.grad is None


def test_error_if_nonfinite():
    torch = pytest.importorskip("torch")
    upstream = [np.array([1.0, np.inf]), np.array([2.0])]
    with pytest.raises(RuntimeError, match="the total norm of order 2.0 for gradients from `parameters` is non-finite"):
        nn.utils.clip_grad_norm_(with_grads("chainrule", np.float64, upstream), 1.0, error_if_nonfinite=True)
    ours, theirs = with_grads("chainrule", np.float64, upstream), with_grads("torch", np.float64, upstream)
    assert nn.utils.clip_grad_norm_(ours, 1.0).item() == torch.nn.utils.clip_grad_norm_(theirs, 1.0).item() == np.inf
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(p.grad), q.grad.numpy())  # scaled by 1/inf, NaN where inf


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = with_grads("chainrule", np.float32), with_grads("torch", np.float32)
    nn.utils.clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(p.grad), q.grad.numpy())
        assert np.abs(np.asarray(p.grad)).max() == pytest.approx(1.5)
