"""``chainrule train`` on several MPI processes (``--nproc N``, or started by ``mpiexec``).

Every rank builds the same run (same seed, same data order); each global batch of
``--batch-size`` examples is split into one share per rank (``numpy.array_split``), the
model is wrapped in ``DistributedDataParallel``, and each share's loss is weighted so that
the averaged gradient is the gradient of the global batch's mean loss, and batch norm
layers become ``SyncBatchNorm`` (the statistics of the global batch): a run trains as it
would in one process, whatever the number of ranks (up to rounding). The running training
metrics are summed over the ranks at every step, so the state that rank 0 checkpoints is
the global one (a run resumes on any number of ranks). Only rank 0 writes the run directory
and prints.
"""
import os
import shutil
import subprocess
import sys

import numpy as np

from .. import distributed as dist
from ..autograd import is_grad_enabled
from ..distributed.world import MPI_EXTRA_HINT, launched_by_mpi
from .callbacks import Callback
from .config import ConfigError
from .interrupt import SIGNALS, StopOnSignal


def active():
    """True in a rank of a world of more than one process."""
    return launched_by_mpi() and dist.world_size() > 1


def find_mpiexec():
    """The ``mpiexec`` beside this Python (the mpich wheel's) or on PATH."""
    here = os.path.dirname(sys.executable)
    return shutil.which("mpiexec", path=here) or shutil.which("mpiexec")


def relaunch(nproc, args):
    """Run ``chainrule args...`` on ``nproc`` processes through mpiexec; its exit status."""
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise ConfigError(f"--nproc {nproc} starts processes with mpiexec, which is not installed: "
                          f"{MPI_EXTRA_HINT}")
    command = [mpiexec, "-n", str(nproc), sys.executable, "-m", "chainrule", *args]
    return subprocess.run(command).returncode


def check_world(nproc):
    """Inside an MPI launch, ``--nproc`` (when given) must be the number of processes."""
    if nproc is not None and nproc != dist.world_size():
        raise ConfigError(f"--nproc {nproc}, but the launcher started {dist.world_size()} processes; "
                          "drop --nproc when starting chainrule with mpiexec or srun")


class RankShare:
    """``dataset`` whose ``get_batch`` returns this rank's share of every batch."""

    def __init__(self, dataset, rank, size):
        self.dataset, self.rank, self.size = dataset, rank, size
        self.weight = 1.0  # share size x ranks / batch size, of the last batch

    def __len__(self):
        return len(self.dataset)

    def get_batch(self, indices):
        share = np.array_split(indices, self.size)[self.rank]
        self.weight = len(share) * self.size / len(indices)
        return self.dataset.get_batch(share)


class ShareLoss:
    """The batch-mean ``loss`` of this rank's share, with its gradient scaled by the share's
    weight (so that averaging over ranks gives the global batch mean's gradient) and its
    value unchanged (the metrics add value x share size)."""

    def __init__(self, loss, share):
        self.loss, self.share = loss, share

    def __call__(self, outputs, targets):
        value = self.loss(outputs, targets)
        if not is_grad_enabled():
            return value
        weight = self.share.weight
        return value * weight + (value * (1.0 - weight)).detach()


class GlobalStepMetrics(Callback):
    """Sum each step's training metrics (loss x examples, right answers, examples) over
    the ranks, so every rank's ``TrainState`` holds the global running sums; the same
    allreduce carries whether any rank received a stop signal (``stop.pending``), which
    ``agree`` then answers for this step's end."""

    def __init__(self, stop):
        self.stop, self._agreed = stop, _UNKNOWN

    def on_epoch_begin(self, run):
        self._before = (run.state.loss_sum, run.state.correct, run.state.seen)

    def on_step_end(self, run):
        state = run.state
        step = np.array([state.loss_sum, state.correct, state.seen,
                         *(self.stop.pending == number for number in SIGNALS)], dtype=np.float64)
        step[:3] -= self._before
        dist.all_reduce(step, "sum")
        state.loss_sum = self._before[0] + float(step[0])
        state.correct, state.seen = self._before[1] + int(step[1]), self._before[2] + int(step[2])
        self._before = (state.loss_sum, state.correct, state.seen)
        self._agreed = _flagged(step[3:])

    def agree(self, pending):
        """The signal every rank stops for: what this step's allreduce said, or (at an
        epoch's end, where no step just ran) one small allreduce of its own."""
        agreed, self._agreed = self._agreed, _UNKNOWN
        return agreed_signal(pending) if agreed is _UNKNOWN else agreed


_UNKNOWN = object()


def _flagged(flags):
    """The signal some rank flagged (SIGINT before SIGTERM), or None."""
    return next((number for number, flag in zip(SIGNALS, flags) if flag > 0), None)


def check_batches(num_examples, batch_size, size=None):
    """On ``size`` ranks (default: the world), every global batch must give every rank at
    least one example."""
    size = dist.world_size() if size is None else size
    last = num_examples % batch_size
    if batch_size < size or 0 < last < size:
        small = batch_size if batch_size < size else last
        raise ConfigError(f"on {size} processes every batch needs at least {size} examples (one per "
                          f"process), but --batch-size {batch_size} over {num_examples} training "
                          f"examples gives a batch of {small}; choose another --batch-size")


def agreed_signal(pending):
    """The signal every rank stops for: any rank's, or None (one small allreduce)."""
    flags = np.array([pending == number for number in SIGNALS], dtype=np.float64)
    dist.all_reduce(flags, "sum")
    return _flagged(flags)


def stop_together(stop, metrics):
    """Make ``stop`` (the run's ``StopOnSignal``) stop every rank at the same step: they
    agree on the signal (through ``metrics``' allreduce), rank 0 alone saves, and no rank
    leaves before its checkpoint is whole (a rank's exit can end the job)."""
    save = stop.save_last
    stop.save_last = lambda run: save(run) if dist.is_main() else None
    stop.agree, stop.wait = metrics.agree, dist.barrier


def distribute(parts, callbacks):
    """This rank's version of a built run: the model wrapped, the batches shared, the loss
    weighted; rank 0 keeps every callback, the others only the metric sums and the
    ``StopOnSignal``, which stops all ranks together."""
    loader = parts.train_loader
    share = RankShare(loader.dataset, dist.rank(), dist.world_size())
    loader.dataset = share
    parts.model = dist.DistributedDataParallel(dist.SyncBatchNorm.convert_sync_batchnorm(parts.model))
    parts.loss = ShareLoss(parts.loss, share)
    (stop,) = (c for c in callbacks if isinstance(c, StopOnSignal))
    metrics = GlobalStepMetrics(stop)  # first: a step's agreed signal is ready before stop asks
    stop_together(stop, metrics)
    return parts, [metrics, *(callbacks if dist.is_main() else (stop,))]


def writes_files():
    """True in the process that writes the run directory: rank 0, or the only one."""
    return not active() or dist.is_main()


def shared_run_dir(out):
    """The new run directory: made by rank 0 (``create_run_dir``), its path sent to all."""
    from .rundir import create_run_dir

    path = np.frombuffer(create_run_dir(out).encode(), np.uint8) if dist.is_main() else None
    length = dist.broadcast(np.array([0 if path is None else path.size]))
    text = path.copy() if path is not None else np.zeros(int(length[0]), np.uint8)
    return dist.broadcast(text).tobytes().decode()
