"""Data-parallel training over MPI (the ``mpi`` extra: ``pip install "chainrule[mpi]"``).

Start N copies of a script with ``mpiexec -n N python script.py``; each calls ``init()``,
wraps its model in ``DistributedDataParallel`` and reads its share of the data
(``DistributedSampler``). Without mpi4py, or without mpiexec, everything works as a world
of one process. See docs/distributed.md.
"""
from .ddp import DistributedDataParallel
from .sampler import DistributedSampler
from .sync_batchnorm import SyncBatchNorm
from .world import all_reduce, barrier, broadcast, init, is_main, rank, world_size

__all__ = [
    "DistributedDataParallel",
    "DistributedSampler",
    "SyncBatchNorm",
    "all_reduce",
    "barrier",
    "broadcast",
    "init",
    "is_main",
    "rank",
    "world_size",
]
