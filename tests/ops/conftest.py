"""Shared checks for the op tests: PyTorch parity of an output and every input gradient."""
import numpy as np
import pytest

import chainrule as cr

TOLERANCES = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-4, atol=2e-5)}


@pytest.fixture
def check_torch_parity():
    """``check(fn, torch_fn, arrays, dtype)``: run ``fn`` on chainrule leaves and ``torch_fn`` on
    torch leaves made from the same arrays, backpropagate one random upstream gradient through
    both, and compare the outputs and the gradients of all inputs (values and dtypes)."""
    torch = pytest.importorskip("torch")

    def check(fn, torch_fn, arrays, dtype=np.float64):
        arrays = [np.asarray(a, dtype=dtype) for a in arrays]
        leaves = [cr.tensor(a, requires_grad=True) for a in arrays]
        torch_leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
        out, expected = fn(*leaves), torch_fn(*torch_leaves)
        grad = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
        out.backward(grad)
        expected.backward(torch.from_numpy(grad))
        tol = TOLERANCES[dtype]
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, expected.detach().numpy(), **tol)
        for i, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves)):
            assert leaf.grad.dtype == dtype, f"input {i}"
            np.testing.assert_allclose(leaf.grad, torch_leaf.grad.numpy(), **tol, err_msg=f"input {i}")
        return out

    return check
