"""The MPI world: who this process is, and collectives on NumPy buffers.

Every collective goes through mpi4py's buffer methods (``Allreduce``, ``Bcast``,
``Iallreduce``) on contiguous arrays: nothing is pickled. Without mpi4py, or in a process
that ``mpiexec`` did not start, the world is this one process and the collectives change
nothing.
"""
import contextlib
import os
import sys
import traceback

import numpy as np

from ..autograd import no_grad
from .watchdog import waiting

MPI_EXTRA_HINT = 'pip install "chainrule[mpi]"'
REDUCE_OPS = ("sum", "mean", "max", "min")

_world = None  # the _World once init() ran
# Set in every process that mpiexec, srun or another MPI launcher started (MPICH's Hydra,
# PMI-2 and PMIx, Open MPI): tells a launched process from a lone one without starting MPI.
LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE")


class _World:
    """mpi4py's ``MPI`` module and ``COMM_WORLD`` (both None in a world of one)."""

    def __init__(self, mpi):
        self.mpi = mpi
        self.comm = None if mpi is None else mpi.COMM_WORLD
        self.rank = 0 if mpi is None else self.comm.Get_rank()
        self.size = 1 if mpi is None else self.comm.Get_size()
        # SyncBatchNorm's allreduces run inside backward, between DDP's non-blocking ones: on a
        # communicator of their own, the two orders never have to agree.
        self.batch_norm_comm = None if mpi is None else self.comm.Dup()


def init():
    """Join the MPI world of the processes ``mpiexec`` (or ``srun``) started; a no-op world
    of one without mpi4py. Safe to call more than once. In a world of more than one, an
    uncaught exception on any rank prints that rank and its traceback and aborts every rank
    (``MPI.COMM_WORLD.Abort``), so a failure never leaves the others waiting."""
    global _world
    if _world is None:
        try:
            from mpi4py import MPI
        except ImportError:
            MPI = None
        _world = _World(MPI)
        if _world.size > 1:
            sys.excepthook = _abort_on_exception
    return _world


def launched_by_mpi():
    """True in a process that an MPI launcher started (checked without starting MPI)."""
    return any(name in os.environ for name in LAUNCHER_VARIABLES)


def _abort_on_exception(kind, value, trace):
    abort("".join(traceback.format_exception(kind, value, trace)))


def abort(message, code=1):
    """Print ``message`` as this rank's failure and end every rank (``MPI Abort``): the
    others may be waiting in a collective for this one, and would wait forever."""
    world = init()
    sys.stderr.write(f"chainrule.distributed: rank {world.rank} of {world.size} failed; "
                     f"aborting every rank\n{message.rstrip()}\n")
    sys.stderr.flush()
    if world.comm is None:
        sys.exit(code)
    world.comm.Abort(code)


@contextlib.contextmanager
def abort_on_error(brief=(), passes=()):
    """In a world of more than one, turn an exception (or a ``sys.exit`` with a non-zero
    status) raised inside into ``abort``: a rank that leaves cleanly while the others wait
    for it in a collective would hang them. Exceptions of the types in ``brief`` (errors
    whose message says it all) are printed without their traceback; those of the types in
    ``passes`` (every rank raises them together) go through."""
    try:
        yield
    except tuple(passes):
        raise
    except SystemExit as exc:
        if exc.code not in (None, 0) and init().size > 1:
            abort(f"exit status {exc.code}", exc.code if isinstance(exc.code, int) else 1)
        raise
    except BaseException as exc:
        if init().size > 1:
            abort(f"Error: {exc}" if isinstance(exc, tuple(brief)) else traceback.format_exc())
        raise


def rank():
    """This process's rank, 0 .. world_size() - 1."""
    return init().rank


def world_size():
    """The number of processes training together (1 without MPI)."""
    return init().size


def is_main():
    """True on rank 0, the process that writes files and prints."""
    return init().rank == 0


def barrier():
    """Wait until every rank has called ``barrier``."""
    world = init()
    if world.comm is not None:
        with waiting("barrier"):
            world.comm.Barrier()


def buffer_of(tensor, what):
    """The contiguous NumPy array behind a Tensor or array, to give MPI (never a copy)."""
    array = np.asarray(tensor)
    if not array.flags.c_contiguous:
        raise ValueError(f"{what}: the tensor must be contiguous, got strides {array.strides}")
    return array


def check_op(op, what):
    if op not in REDUCE_OPS:
        raise ValueError(f"{what}: op must be one of {', '.join(map(repr, REDUCE_OPS))}, got {op!r}")


def mpi_op(world, op):
    """The MPI operation of ``op`` ('mean' is a sum, divided afterwards)."""
    return {"max": world.mpi.MAX, "min": world.mpi.MIN}.get(op, world.mpi.SUM)


def all_reduce(tensor, op="sum"):
    """Reduce ``tensor`` (a Tensor or NumPy array, any shape) over every rank, in place:
    each rank ends with the elementwise sum, mean, max or min. Returns ``tensor``."""
    check_op(op, "all_reduce")
    world = init()
    array = buffer_of(tensor, "all_reduce")
    if op == "mean" and array.dtype.kind != "f":
        raise TypeError(f"all_reduce: op='mean' needs a floating-point tensor, got {array.dtype}")
    if world.comm is None:
        return tensor
    with no_grad(), waiting("all_reduce"):
        world.comm.Allreduce(world.mpi.IN_PLACE, array, op=mpi_op(world, op))
        if op == "mean":
            array /= world.size
    return tensor


def broadcast(tensor, src=0):
    """Overwrite ``tensor`` on every rank with rank ``src``'s values, in place. Returns it."""
    world = init()
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < world.size:
        raise ValueError(f"broadcast: src must be a rank in 0..{world.size - 1}, got {src!r}")
    array = buffer_of(tensor, "broadcast")
    if world.comm is not None:
        with no_grad(), waiting("broadcast"):
            world.comm.Bcast(array, root=int(src))
    return tensor
