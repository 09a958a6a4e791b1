import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def test_parameters_to_vector_and_back_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)), torch.nn.Sequential(
        torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    ours.load_state_dict(theirs.state_dict())
    vector = nn.utils.parameters_to_vector(ours.parameters())
    np.testing.assert_array_equal(vector.data, torch.nn.utils.parameters_to_vector(theirs.parameters()).detach())
    assert vector.shape == (11,) and vector.dtype == np.float32
    new = np.arange(11, dtype=np.float32)
    nn.utils.vector_to_parameters(cr.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new), theirs.parameters())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())


def test_parameters_to_vector_is_differentiable():
    layer = nn.Linear(2, 2)
    (nn.utils.parameters_to_vector(layer.parameters()) * 2).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad, np.full((2, 2), 2.0))


def test_errors():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="vector_to_parameters: expected chainrule.Tensor, but got: ndarray"):
        nn.utils.vector_to_parameters(np.zeros(6), layer.parameters())
    with pytest.raises(ValueError, match="vector_to_parameters: the vector has 5 values, the parameters need 6"):
        nn.utils.vector_to_parameters(cr.zeros(5), layer.parameters())
