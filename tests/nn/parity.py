"""Shared check: a chainrule function against its PyTorch twin, forward and gradients, float64."""
import numpy as np

import chainrule as cr


def assert_matches_torch(fn, torch_fn, arrays, rtol=1e-10, atol=1e-12, seed=0):
    """``fn(*tensors)`` and ``torch_fn(*torch_tensors)`` agree in value and in the gradient
    of every float input, for a random upstream gradient."""
    import torch

    ours = [cr.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out, expected = fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for mine, ref in zip(ours, theirs):
        if ref.requires_grad:
            np.testing.assert_allclose(mine.grad, ref.grad.numpy(), rtol=rtol, atol=atol)
