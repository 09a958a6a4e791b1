"""``SyncBatchNorm``: batch normalization with the statistics of the whole batch, over
every process (PyTorch's ``torch.nn.SyncBatchNorm``)."""
import numpy as np

from ..nn.batchnorm import _BatchNorm
from ..ops.batchnorm import BatchNorm, checked_inputs
from .watchdog import waiting
from .world import init


class SyncBatchNormFunction(BatchNorm):
    """``BatchNorm`` whose counts and per-channel sums are summed over every process: one
    allreduce for the mean, one for the variance in forward, one for sum(dy) and
    sum(dy * x_hat) in backward (docs/distributed.md)."""

    __slots__ = ()

    def reduce(self, count, *sums):
        """Every process's ``count`` and ``sums`` added, in float64, back in the sums' dtypes."""
        world = init()
        if world.comm is None or world.size == 1:
            return (count, *sums)
        buffer = np.concatenate([[count], *(np.ravel(part) for part in sums)]).astype(np.float64)
        with waiting("SyncBatchNorm's allreduce"):
            world.batch_norm_comm.Allreduce(world.mpi.IN_PLACE, buffer, op=world.mpi.SUM)
        totals, start = [int(round(buffer[0]))], 1
        for part in sums:
            totals.append(buffer[start:start + part.size].reshape(part.shape).astype(part.dtype))
            start += part.size
        return tuple(totals)


def sync_batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
                    momentum=0.1, eps=1e-5):
    """``batch_norm`` with the training statistics of the batch of every process together."""
    arrays = checked_inputs(input, running_mean, running_var, weight, bias, training)
    return SyncBatchNormFunction.apply(input, *arrays[2:], running_mean=arrays[0], running_var=arrays[1],
                                       training=training, momentum=momentum, eps=eps)


class SyncBatchNorm(_BatchNorm):
    """Batch norm of (N, C, *) inputs whose training statistics (and running ones) are those
    of the whole batch, every process's share together: a network trained on N processes
    normalizes as it would on one. In a world of one it is ``BatchNorm``. Every process must
    run the same layers in the same order (each training forward and backward is a
    collective)."""

    ranks, layout = tuple(range(2, 33)), "(N, C, *)"  # NumPy allows 32 dims
    batch_norm = staticmethod(sync_batch_norm)

    @classmethod
    def convert_sync_batchnorm(cls, module):
        """``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm sharing its
        parameters and buffers (``module`` itself is changed; the converted one is returned)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, dtype=_dtype_of(module), bias=module.bias is not None)
            converted.weight, converted.bias = module.weight, module.bias
            for name, buffer in module.named_buffers(recurse=False):
                setattr(converted, name, buffer)
            return converted.train(module.training)
        for name, child in list(module.named_children()):
            module.add_module(name, cls.convert_sync_batchnorm(child))
        return module


def _dtype_of(module):
    present = [np.asarray(t).dtype for t in (module.weight, module.running_mean) if t is not None]
    return present[0] if present else None


