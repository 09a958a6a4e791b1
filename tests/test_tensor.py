"""Tensor: construction, dtypes, repr, conversions, in-place updates and clear errors."""
import numpy as np
import pytest

import chainrule as cr


def test_python_floats_become_float32_ints_int64_and_arrays_keep_their_dtype():
    assert cr.tensor([1.0, 2.0]).dtype == np.float32
    assert cr.tensor([1, 2]).dtype == np.int64
    assert cr.tensor([True]).dtype == np.bool_
    assert cr.tensor(np.zeros(2)).dtype == np.float64
    assert cr.tensor(np.zeros(2, np.float32)).dtype == np.float32


@pytest.mark.parametrize("dtype", ["float64", np.float64, np.dtype("float64"), cr.float64])
def test_dtype_by_name_numpy_type_and_chainrule_constant(dtype):
    assert cr.tensor([1, 2], dtype=dtype).dtype == np.float64


def test_unknown_and_unsupported_dtypes_are_clear_errors():
    with pytest.raises(TypeError, match="unknown dtype 'float99'"):
        cr.tensor([1.0], dtype="float99")
    with pytest.raises(TypeError, match="unsupported dtype complex128"):
        cr.tensor([1.0], dtype="complex128")
    with pytest.raises(TypeError, match="cannot make a tensor from data of dtype <U1"):
        cr.tensor(["a"])


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    a = np.zeros(2)
    t, shared = cr.tensor(a), cr.from_numpy(a)
    a[0] = 5.0
    assert t.detach().numpy()[0] == 0.0 and shared.detach().numpy()[0] == 5.0


def test_attributes():
    x = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.size() == (2, 3) and x.size(1) == 3 and len(x) == 2
    assert x.is_leaf and x.grad is None and x.grad_fn is None and not x.requires_grad
    assert [row.tolist() for row in x] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_requires_grad_only_on_floating_point_tensors():
    with pytest.raises(TypeError, match="only floating point tensors can require gradients, got dtype int64"):
        cr.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="got dtype bool"):
        cr.tensor([True]).requires_grad_()


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf():
    y = cr.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="use detach"):
        y.requires_grad_(False)


@pytest.mark.parametrize("data, expected", [
    ([1.0, 2.0], "tensor([1., 2.])"),
    ([0.5, 1.0], "tensor([0.5000, 1.0000])"),
    (3.0, "tensor(3.)"),
    ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00])"),
    ([[-1.25, 100.5], [3.0, 4.0]], "tensor([[ -1.2500, 100.5000],\n        [  3.0000,   4.0000]])"),
    ([float("nan"), 1.5, float("inf")], "tensor([   nan, 1.5000,    inf])"),
    ([1, 2, 3], "tensor([1, 2, 3])"),
    ([True, False], "tensor([ True, False])"),
    ([], "tensor([])"),
])
def test_repr_like_pytorch(data, expected):
    assert repr(cr.tensor(data)) == expected


def test_repr_extras_like_pytorch():
    assert repr(cr.tensor([0.12345, 1.0], dtype=cr.float64, requires_grad=True)) == (
        "tensor([0.1235, 1.0000], dtype=chainrule.float64, requires_grad=True)"
    )
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr(cr.tensor([1, 2], dtype="int32")) == "tensor([1, 2], dtype=chainrule.int32)"
    assert repr(cr.zeros(2, 0)) == "tensor([], size=(2, 0))"


def test_repr_matches_pytorch_on_random_data():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for data in (rng.standard_normal((3, 4)), rng.standard_normal(5) * 1e4, np.round(rng.standard_normal((2, 2)) * 10)):
        data = data.astype(np.float32)
        assert repr(cr.tensor(data)) == repr(torch.from_numpy(data))


def test_item_numpy_detach():
    x = cr.tensor([[2.5]], requires_grad=True)
    assert x.item() == 2.5 and float(x) == 2.5 and int(cr.tensor([7])) == 7
    with pytest.raises(ValueError, match=r"only one-element tensors.*\(2,\)"):
        cr.ones(2).item()
    with pytest.raises(RuntimeError, match=r"only one-element tensors"):  # PyTorch's type too
        cr.ones(2).item()
    with pytest.raises(RuntimeError, match=r"ambiguous"):
        bool(cr.ones(2))
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        x.numpy()
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d.detach().numpy() is x.detach().numpy()
    assert d.numpy() is x.detach().numpy()
    assert np.asarray(cr.ones(2)).dtype == np.float32


def test_conversions_follow_pytorch():
    x = cr.tensor([1.5, -2.5], requires_grad=True)
    assert x.float() is x  # already float32: the tensor itself, as in PyTorch
    d = x.double()
    assert d.dtype == np.float64 and d.requires_grad
    d.sum().backward()
    assert x.grad.dtype == np.float32
    assert x.to("float64").dtype == np.float64 and x.to(cr.float16).dtype == np.float16
    assert x.long().tolist() == [1, -2]
    with pytest.raises(TypeError, match="to: unknown dtype 'float99'"):
        x.to("float99")
    with pytest.raises(RuntimeError, match="to: device 'cuda' is not available"):  # a device, refused
        x.to("cuda")


def test_truth_value_of_a_tensor():
    assert bool(cr.tensor([1.0])) and not bool(cr.tensor(0.0))
    with pytest.raises(ValueError, match=r"ambiguous"):
        bool(cr.ones(2))


def test_comparisons_return_bool_tensors_without_gradient():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    assert mask.tolist() == [False, True, True]
    assert (x == np.array([1.0, 0.0, 3.0])).tolist() == [True, False, True]


def test_ndarray_on_the_left_defers_to_the_tensor():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, cr.Tensor) and y.requires_grad


def test_in_place_updates_under_no_grad_as_optimizers_do():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    data = w.detach().numpy()
    with cr.no_grad():
        w -= 0.25 * w.grad
        w *= 2.0
        w += cr.tensor([1.0, 1.0])
        w /= 2.0
    assert w.detach().numpy() is data and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), [1.0, 1.5])


def test_in_place_update_of_a_leaf_that_requires_grad_is_refused():
    w = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad is being used in an in-place operation\. \(-=: .*no_grad"):
        w -= 1.0


def test_in_place_on_a_graph_value_records_the_op():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h += 1.0  # a new node, as in PyTorch (which records in-place ops)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    assert h.tolist() == [3.0, 5.0]


def test_in_place_errors_name_the_operation():
    x = cr.ones(2, 3)
    with pytest.raises(ValueError, match=r"\+=: .*tensor of shape \(2, 3\)"):
        x += cr.ones(4)
    with pytest.raises(TypeError, match=r"\+=: .*dtype int64"):
        i = cr.tensor([1, 2])
        i += 0.5


def test_setitem_under_no_grad_and_refused_when_recording():
    x = cr.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem"):
        x[0] = 1.0
    with cr.no_grad():
        x[0, cr.tensor([0, 2])] = 5.0
    assert x.detach().numpy().tolist() == [[5.0, 0.0, 5.0], [0.0, 0.0, 0.0]]


def test_methods_mirror_the_functional_api():
    x = cr.tensor([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(x.relu().detach().numpy(), cr.relu(x).detach().numpy())
    assert x.sum(dim=0).tolist() == [4.0, 2.0]
    assert x.max(dim=1).indices.tolist() == [0, 1]
    assert x.T.tolist() == [[1.0, 3.0], [-2.0, 4.0]]
    assert x.neg().tolist() == [[-1.0, 2.0], [-3.0, -4.0]]
    assert x.view(4).shape == (4,) and x.flatten().shape == (4,) and x.unsqueeze(0).shape == (1, 2, 2)


def test_data_is_a_detached_tensor_sharing_memory_as_in_pytorch():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, cr.Tensor) and not d.requires_grad and d.grad_fn is None
    assert d.numpy() is w.detach().numpy()
    d.mul_(3.0)
    assert w.tolist() == [3.0, 6.0] and w.requires_grad
    w.data = cr.zeros(2, 3, dtype=cr.float64)  # any shape and dtype, as PyTorch allows
    assert w.shape == (2, 3) and w.dtype == np.float64 and w.requires_grad
    with pytest.raises(TypeError, match="data: assigned value must be a Tensor, got ndarray"):
        w.data = np.zeros(2)


def test_grad_is_a_tensor_of_the_leafs_shape_and_dtype():
    w = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    (w * w).sum().backward()
    grad = w.grad
    assert isinstance(grad, cr.Tensor) and grad.dtype == np.float64 and not grad.requires_grad
    np.testing.assert_array_equal(grad.data, [2.0, 4.0])
    grad.zero_()
    (w * 3).sum().backward()  # accumulates into the same tensor
    assert w.grad is grad and grad.tolist() == [3.0, 3.0]
    w.grad = cr.tensor([1.0, 1.0], dtype=cr.float64)
    (w * 3).sum().backward()
    assert w.grad.tolist() == [4.0, 4.0]
    del w.grad
    assert w.grad is None


@pytest.mark.parametrize("value, error, match", [
    (np.zeros(2), TypeError, "assigned grad expected to be a Tensor or None but got grad of type ndarray"),
    (cr.zeros(3), RuntimeError, r"assigned grad has data of a different size \(\(3,\)\)"),
    (cr.zeros(2, dtype=cr.float64), RuntimeError, "attempting to assign a gradient with dtype float64 to a tensor of dtype float32"),
])
def test_assigning_a_wrong_grad_is_pytorchs_error(value, error, match):
    w = cr.zeros(2, requires_grad=True)
    with pytest.raises(error, match=match):
        w.grad = value
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(2, requires_grad=True)
    with pytest.raises(error):  # the same error type in PyTorch
        theirs.grad = torch.from_numpy(np.asarray(value)) if isinstance(value, cr.Tensor) else value


def test_format_of_a_0d_tensor_is_its_number():
    assert f"{cr.tensor(0.25):.3f}" == "0.250" and f"{cr.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(TypeError):
        f"{cr.tensor([1.0, 2.0]):.3f}"
