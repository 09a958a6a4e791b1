"""ReLU beyond the registry's generic checks: every memory layout, and Python numbers."""
import numpy as np

import chainrule as cr


def test_relu_of_any_layout_and_of_python_numbers():
    x = np.array([[-1.0, 2.0], [-np.inf, np.nan]], dtype=np.float32)
    for layout in (x, np.asfortranarray(x), x.T):
        out = cr.relu(layout).data
        np.testing.assert_array_equal(out, np.maximum(layout, 0))
        assert out.dtype == np.float32
    assert cr.relu(3.0).item() == 3.0 and cr.relu(-3).item() == 0
