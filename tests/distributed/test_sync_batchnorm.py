"""SyncBatchNorm in one process: BatchNorm itself, and convert_sync_batchnorm (the
multi-process statistics: test_mpi.py)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.distributed import SyncBatchNorm
from chainrule.distributed.sync_batchnorm import sync_batch_norm
from chainrule.ops.batchnorm import batch_norm


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 4), (2, 3, 2, 2, 2)])
def test_in_a_world_of_one_it_is_batch_norm(shape):
    rng = np.random.default_rng(0)
    x, upstream = rng.normal(size=shape) * 2 + 1, rng.normal(size=shape)
    layer = SyncBatchNorm(3, momentum=0.3, dtype="float64")
    inputs = cr.tensor(x, requires_grad=True)
    layer(inputs).backward(upstream)
    weight = cr.tensor(np.ones(3), requires_grad=True)
    running_mean, running_var = np.zeros(3), np.ones(3)
    expected_inputs = cr.tensor(x, requires_grad=True)
    batch_norm(expected_inputs, running_mean, running_var, weight, cr.tensor(np.zeros(3)), training=True,
               momentum=0.3).backward(upstream)
    np.testing.assert_array_equal(np.asarray(inputs.grad), np.asarray(expected_inputs.grad))
    np.testing.assert_array_equal(np.asarray(layer.weight.grad), np.asarray(weight.grad))
    np.testing.assert_array_equal(layer.running_var, running_var)
    assert not np.allclose(running_var, 1)


def test_gradcheck_in_training():
    rng = np.random.default_rng(1)
    inputs = [cr.tensor(rng.normal(size=shape), requires_grad=True) for shape in ((4, 2, 3), (2,), (2,))]
    gradcheck(lambda x, w, b: sync_batch_norm(x, None, None, w, b, training=True), inputs)


def test_convert_replaces_every_batch_norm_sharing_its_state():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, momentum=None),
                          nn.Sequential(nn.Flatten(), nn.Linear(8, 4), nn.BatchNorm1d(4, affine=False)))
    model[1].running_mean += 5
    old = [model[1], model[2][2]]
    model.eval()
    converted = SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    new = [model[1], model[2][2]]
    assert all(type(layer) is SyncBatchNorm for layer in new)
    assert new[0].weight is old[0].weight and new[0].running_mean is old[0].running_mean
    assert new[0].momentum is None and new[1].affine is False and new[1].weight is None
    assert not new[0].training
    assert list(model.state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "2.1.weight", "2.1.bias", "2.2.running_mean", "2.2.running_var",
        "2.2.num_batches_tracked"]
    single = SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3))
    assert type(single) is SyncBatchNorm


def test_a_one_dimensional_input_is_refused():
    with pytest.raises(Exception, match=r"SyncBatchNorm: expected a \(N, C, \*\) input, got shape \(3,\)"):
        SyncBatchNorm(3)(cr.zeros(3))
