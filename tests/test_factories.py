"""Factories: names, signatures and default dtypes as in PyTorch."""
import numpy as np
import pytest

import chainrule as cr


def test_shapes_and_default_float32():
    for t in (cr.zeros(2, 3), cr.ones((2, 3)), cr.rand(2, 3), cr.randn([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
    assert cr.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert cr.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]] and cr.eye(2, 3).shape == (2, 3)


def test_full_and_arange_dtypes_follow_their_arguments():
    assert cr.full((2,), 1.5).dtype == np.float32
    assert cr.full((2,), 3).dtype == np.int64
    assert cr.arange(4).tolist() == [0, 1, 2, 3] and cr.arange(4).dtype == np.int64
    assert cr.arange(1, 2, 0.5).tolist() == [1.0, 1.5] and cr.arange(0.0, 1.0, 0.5).dtype == np.float32


def test_dtype_and_requires_grad_arguments():
    t = cr.zeros(2, dtype="float64", requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf
    assert cr.randn(3, dtype=cr.float64).dtype == np.float64
    with pytest.raises(TypeError, match="only floating point"):
        cr.arange(3, requires_grad=True)


def test_like_factories_keep_shape_and_dtype_unless_told():
    x = cr.ones(2, 3, dtype=cr.float64)
    assert cr.zeros_like(x).dtype == np.float64 and cr.ones_like(x).shape == (2, 3)
    assert cr.zeros_like(x, dtype=np.dtype("float32")).dtype == np.float32
    assert cr.full_like(x, 7.0).tolist() == [[7.0] * 3] * 2
    assert cr.rand_like(x).shape == (2, 3) and cr.randn_like(x, requires_grad=True).requires_grad


def test_random_factories_draw_from_the_seeded_generator():
    cr.manual_seed(3)
    a = cr.randn(4, dtype=cr.float64)
    cr.manual_seed(3)
    b = cr.randn(4, dtype=cr.float64)
    c = cr.randn(4, dtype=cr.float64)
    assert a.tolist() == b.tolist() != c.tolist()
    u = cr.rand(1000)
    assert 0.0 <= u.data.min() and u.data.max() < 1.0


def test_from_numpy_checks_its_argument():
    with pytest.raises(TypeError, match="expected a NumPy array, got list"):
        cr.from_numpy([1.0])
    with pytest.raises(TypeError, match="unsupported dtype"):
        cr.from_numpy(np.array(["a"]))


@pytest.mark.parametrize("make, message", [
    (lambda: cr.zeros(2.5), "zeros: sizes must be integers, got 2.5 of type float in (2.5,)"),
    (lambda: cr.ones((2, 3.0)), "ones: sizes must be integers, got 3.0 of type float in (2, 3.0)"),
    (lambda: cr.full((True, 2), 1.0), "full: sizes must be integers, got True of type bool in (True, 2)"),
    (lambda: cr.randn(2, "3"), "randn: sizes must be integers, got '3' of type str in (2, '3')"),
])
def test_sizes_must_be_integers_as_in_pytorch(make, message):
    with pytest.raises(TypeError) as info:
        make()
    assert str(info.value) == message


def test_numpy_integer_sizes_are_accepted():
    assert cr.zeros(np.int64(2), np.int32(3)).shape == (2, 3)
    assert cr.rand((np.uint8(4),)).shape == (4,) and cr.full(np.int16(2), 1.0).shape == (2,)


def test_tensor_takes_a_name_for_the_explain_tools():
    assert cr.tensor(1.0, name="x").name == "x"
    assert cr.tensor(1.0).name is None
    with pytest.raises(TypeError, match="tensor: name must be a string, got int"):
        cr.tensor(1.0, name=3)
