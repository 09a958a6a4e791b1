import numpy as np

import chainrule as cr


def test_worked_example_1():
    x, y, z = (cr.tensor(v, dtype="float64", requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    np.testing.assert_allclose([x.grad, y.grad, z.grad], [-4.0, -4.0, 3.0], atol=1e-9)
