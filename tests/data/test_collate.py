"""default_collate against torch.utils.data.default_collate: same structure, values, dtypes, shapes."""
from collections import namedtuple

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import default_collate

torch = pytest.importorskip("torch")
Point = namedtuple("Point", "x y")


def _plain(value):
    """A collated batch as nested Python/NumPy values, and the structure's types."""
    if isinstance(value, (cr.Tensor, torch.Tensor)):
        array = value.numpy()
        return ("tensor", array.dtype.name, array.shape, array.tolist())
    if isinstance(value, dict):
        return ("dict", {key: _plain(item) for key, item in value.items()})
    if isinstance(value, Point):
        return ("Point", [_plain(item) for item in value])
    if isinstance(value, list):
        return ("list", [_plain(item) for item in value])
    return (type(value).__name__, value)


def _torch_sample(sample):
    """The same sample with torch tensors where ours has chainrule tensors."""
    if isinstance(sample, cr.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return {key: _torch_sample(item) for key, item in sample.items()}
    if isinstance(sample, Point):
        return Point(*map(_torch_sample, sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(map(_torch_sample, sample))
    return sample


BATCHES = {
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "int then float": [1, 2.5],
    "numpy scalars": [np.float32(1.5), np.float32(2.0)],
    "numpy int32 scalars": [np.int32(4), np.int32(5)],
    "uint8 arrays": [np.array([1, 2], dtype=np.uint8), np.array([3, 4], dtype=np.uint8)],
    "0-d arrays": [np.array(3), np.array(4)],
    "float64 arrays": [np.eye(2), np.ones((2, 2))],
    "tensors": [cr.tensor([[1.0, 2.0]]), cr.tensor([[3.0, 4.0]])],
    "int64 tensors": [cr.tensor([1, 2]), cr.tensor([3, 4])],
    "strings": ["a", "b"],
    "image, label tuples": [(cr.zeros(1, 2, 2), 3), (cr.ones(1, 2, 2), 7)],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"x": np.float32([1, 2]), "label": 0, "name": "a"}, {"x": np.float32([3, 4]), "label": 1, "name": "b"}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "nested": [({"a": (1, 2)}, [np.int16(3)]), ({"a": (4, 5)}, [np.int16(6)])],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_as_pytorch(name):
    batch = BATCHES[name]
    ours = default_collate(batch)
    theirs = torch.utils.data.default_collate([_torch_sample(sample) for sample in batch])
    assert _plain(ours) == _plain(theirs)


def test_results_are_chainrule_tensors_without_gradients():
    images, labels = default_collate([(cr.zeros(3, requires_grad=True), 1), (cr.ones(3), 2)])
    assert isinstance(images, cr.Tensor) and not images.requires_grad and images.shape == (2, 3)
    assert labels.dtype == cr.int64 and labels.numpy().tolist() == [1, 2]


def test_errors_as_pytorch():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([cr.zeros(2), cr.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found <class 'object'>"):
        default_collate([object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"])])
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        default_collate([None, None])
