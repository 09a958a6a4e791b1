"""DistributedDataParallel in a world of one (the multi-process behaviour: test_mpi.py)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.distributed import DistributedDataParallel
from chainrule.distributed.ddp import make_buckets


def test_in_a_world_of_one_it_is_the_module():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3, dtype="float64"), nn.Tanh(), nn.Linear(3, 2, dtype="float64"))
    ddp = DistributedDataParallel(model)
    x = cr.tensor(np.random.default_rng(0).normal(size=(5, 4)))
    ddp(x).sum().backward()
    expected = [np.array(np.asarray(p.grad)) for p in model.parameters()]
    model.zero_grad()
    model(x).sum().backward()
    for p, grad in zip(model.parameters(), expected):
        np.testing.assert_array_equal(np.asarray(p.grad), grad)
    assert ddp.module is model
    assert list(ddp.state_dict()) == ["module." + key for key in model.state_dict()]
    with ddp.no_sync():
        assert not ddp.require_backward_grad_sync
    assert ddp.require_backward_grad_sync


def test_buckets_are_reverse_order_runs_of_one_dtype_under_the_cap():
    params = [cr.zeros(10, dtype=cr.float64), cr.zeros(10, dtype=cr.float64), cr.zeros(30, dtype=cr.float64),
              cr.zeros(2, dtype=cr.float32), cr.zeros(2, dtype=cr.float64)]
    buckets = make_buckets(reversed(params), cap_bytes=160)
    assert [[id(p) for p in bucket] for bucket in buckets] == [
        [id(params[4])], [id(params[3])], [id(params[2])], [id(params[1]), id(params[0])]]


def test_bad_arguments():
    with pytest.raises(TypeError, match="expected a Module, got function"):
        DistributedDataParallel(lambda x: x)
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive, got 0"):
        DistributedDataParallel(nn.Linear(2, 2), bucket_cap_mb=0)
