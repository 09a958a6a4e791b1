"""Reductions beyond the registry: the (values, indices) result, ties, NumPy argument names."""
import numpy as np
import pytest

import chainrule as cr

TIES = [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 1.0, 2.0]]


def test_max_along_dim_returns_values_and_indices_like_pytorch():
    x = cr.tensor(TIES, requires_grad=True)
    result = cr.max(x, dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [3.0, 2.0] and indices.tolist() == [1, 0]
    assert indices.dtype == np.int64 and not indices.requires_grad
    values.sum().backward()
    # ties along a dim: the gradient goes to the returned (first) index, as in PyTorch
    assert x.grad.tolist() == [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]


def test_min_along_dim_keepdim():
    values, indices = cr.tensor(TIES).min(dim=0, keepdim=True)
    assert values.tolist() == [[1.0, 2.0, 1.0, 0.0]] and indices.tolist() == [[0, 1, 1, 0]]


def test_max_of_all_elements_splits_ties_evenly():
    x = cr.tensor(TIES, requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]


def test_numpy_argument_names_are_accepted():
    x = cr.tensor(TIES)
    assert cr.mean(x, axis=0, keepdims=True).shape == (1, 4)
    assert cr.max(x, axis=1).indices.tolist() == [1, 0]
    assert cr.argmax(x, axis=1).tolist() == [1, 0]
    assert cr.var(x, axis=1, ddof=0).tolist() == pytest.approx(np.var(TIES, axis=1).tolist())


def test_var_with_no_degrees_of_freedom_is_nan_as_in_pytorch():
    x = cr.tensor([1.5], requires_grad=True)
    v = cr.var(x)
    assert np.isnan(v.item())
    v.backward()
    assert np.isnan(x.grad[0])


def test_argmax_errors():
    with pytest.raises(ValueError, match="argmax: cannot reduce an empty tensor"):
        cr.argmax(cr.zeros(0))
    with pytest.raises(TypeError, match=r"argmax: dim must be an int or a tuple of ints, got 'a'"):
        cr.argmax(cr.ones(2), dim="a")


def test_reductions_of_a_0d_tensor_accept_dim_0_as_in_pytorch():
    x = cr.tensor(2.0, requires_grad=True)
    y = x.sum(0)
    assert y.shape == () and y.item() == 2.0


def test_norm_p0_counts_nonzeros_without_gradient_and_needs_floats():
    torch = pytest.importorskip("torch")
    data = [[0.0, 2.0, -1.0], [0.0, 0.0, 3.0]]
    x = cr.tensor(data, requires_grad=True)
    out = cr.norm(x, p=0, dim=1)
    assert out.tolist() == torch.norm(torch.tensor(data), p=0, dim=1).tolist() == [2.0, 1.0]
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))
    with pytest.raises(TypeError, match="norm: expected a floating point tensor, got dtype int64"):
        cr.norm(cr.tensor([1, 2]))
