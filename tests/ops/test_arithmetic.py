"""Pow of a float tensor and an integer tensor keeps the float's dtype, as PyTorch promotes."""
import numpy as np
import pytest

import chainrule as cr

CASES = [  # (base, exponent) as (values, dtype name)
    (([1.5, -2.0], "float32"), ([1, 2], "int64")),
    ((2.0, "float64"), ([1, 2, 3], "int64")),
    (([2.0, 3.0], "float32"), (3, "int32")),
    (([2, 3], "int64"), ([0.5], "float32")),
    ((2, "int64"), (0.5, "float64")),
]


@pytest.mark.parametrize("base, exponent", CASES)
def test_pow_of_float_and_integer_tensors_has_the_float_dtype(base, exponent):
    x = cr.tensor(base[0], dtype=getattr(cr, base[1]))
    p = cr.tensor(exponent[0], dtype=getattr(cr, exponent[1]))
    out = x ** p
    want = np.dtype(base[1] if base[1].startswith("float") else exponent[1])
    assert out.dtype == want
    np.testing.assert_allclose(out.numpy(), np.asarray(base[0], np.float64) ** np.asarray(exponent[0], np.float64),
                               rtol=1e-6)
    torch = pytest.importorskip("torch")
    t = torch.tensor(base[0], dtype=getattr(torch, base[1])) ** torch.tensor(exponent[0], dtype=getattr(torch, exponent[1]))
    assert str(t.dtype) == f"torch.{out.dtype}"


def test_pow_gradient_through_an_integer_exponent_tensor():
    x = cr.tensor([1.5, -2.0, 0.5], dtype=cr.float64, requires_grad=True)
    p = cr.tensor([1, 2, 3])
    (x ** p).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -4.0, 0.75])
    assert cr.autograd.gradcheck(lambda t: t.pow(p), (x,))
