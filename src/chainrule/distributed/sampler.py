"""``DistributedSampler``: each rank's share of a dataset's indices, PyTorch's contract."""
import math

import numpy as np

from .world import rank as world_rank
from .world import world_size


def _count(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"DistributedSampler: {name} must be an integer, got {value!r}")
    return int(value)


class DistributedSampler:
    """Yield this rank's indices of ``dataset`` for one epoch (pass it as a DataLoader's
    ``sampler``).

    Every rank draws the same permutation of ``range(len(dataset))`` (from
    ``numpy.random.default_rng(seed + epoch)`` with ``shuffle``; in order without), then
    takes every ``num_replicas``-th index from position ``rank``. So that every rank gets
    ``len(self)`` indices, the permutation is padded by repeating its first indices (a
    few examples are seen twice per epoch), or with ``drop_last`` its tail is dropped.
    Call ``set_epoch(epoch)`` before each epoch for a new order. ``num_replicas`` and
    ``rank`` default to the MPI world's.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        num_replicas = world_size() if num_replicas is None else _count(num_replicas, "num_replicas")
        rank = world_rank() if rank is None else _count(rank, "rank")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = bool(shuffle), _count(seed, "seed"), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """The epoch whose order the next iteration yields (shuffling with ``seed + epoch``)."""
        self.epoch = _count(epoch, "epoch")

    def indices(self):
        """This rank's indices for the current epoch, an int64 array of ``len(self)``."""
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        if self.total_size > n:  # pad by repeating the order from its start (as often as needed)
            order = np.resize(order, self.total_size)
        return order[:self.total_size][self.rank::self.num_replicas].astype(np.int64)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples
