"""chainrule.distributed in one process: a world of one, with or without mpi4py."""
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule import distributed as dist
from chainrule.distributed import world


@pytest.fixture(params=["mpi4py", "no mpi4py"])
def one_process(request, monkeypatch):
    """A fresh world of this one process; without mpi4py when asked (its import fails)."""
    monkeypatch.setattr(world, "_world", None)
    if request.param == "no mpi4py":
        monkeypatch.setitem(sys.modules, "mpi4py", None)
    else:
        pytest.importorskip("mpi4py")
    excepthook = sys.excepthook
    yield
    assert sys.excepthook is excepthook  # a world of one keeps Python's own


def test_a_world_of_one(one_process):
    assert (dist.rank(), dist.world_size(), dist.is_main()) == (0, 1, True)
    dist.barrier()
    assert dist.init() is dist.init()


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_all_reduce_of_one_keeps_the_values(one_process, op):
    tensor = cr.tensor([1.5, -2.0])
    assert dist.all_reduce(tensor, op) is tensor
    np.testing.assert_array_equal(np.asarray(tensor), [1.5, -2.0])


def test_broadcast_of_one_keeps_the_values(one_process):
    array = np.arange(3.0)
    assert dist.broadcast(array) is array
    np.testing.assert_array_equal(array, [0.0, 1.0, 2.0])


def test_bad_arguments_are_named(one_process):
    with pytest.raises(ValueError, match="op must be one of 'sum', 'mean', 'max', 'min', got 'avg'"):
        dist.all_reduce(np.zeros(2), "avg")
    with pytest.raises(TypeError, match="op='mean' needs a floating-point tensor, got int64"):
        dist.all_reduce(np.zeros(2, dtype=np.int64), "mean")
    with pytest.raises(ValueError, match=r"src must be a rank in 0..0, got 1"):
        dist.broadcast(np.zeros(2), src=1)
    with pytest.raises(ValueError, match="all_reduce: the tensor must be contiguous"):
        dist.all_reduce(np.zeros((3, 4))[:, ::2])
