"""A training run from a ``TrainConfig``: data, model, loss, optimizer, schedule, callbacks
and the run directory; new (``start_run``) or continued from its last checkpoint
(``resume_run``)."""
import contextlib
import dataclasses
import os
import sys

import numpy as np

from .. import random as cr_random
from ..autograd import detect_anomaly
from ..io import CheckpointError
from . import parallel
from .builders import (
    build_loss, build_model, build_optimizer, build_scheduler, input_shape_of, load_datasets,
)
from .callbacks import EpochSummary, MetricsLogger, PlotCurves, ProgressBar
from .checkpoint import SIDECAR_FILE, SLOTS, TRAINING_FILE, Checkpoint, Checkpointer
from .config import ConfigError, TrainConfig
from .loop import fit
from .rundir import (
    CHECKPOINTS_DIR, CONFIG_FILE, DIAGNOSTICS_PLOT_FILE, METRICS_FILE, PLOT_FILE, blas_threads, create_run_dir,
    read_config, write_config,
)
from .slots import recover_slot

EVAL_BATCH_SIZE = 1000
# Options a resumed run may change: they do not alter the computation.
RESUME_OVERRIDES = ("epochs", "quiet", "checkpoint_every", "data_dir", "download",
                    "detect_anomaly", "diagnostics")


@dataclasses.dataclass
class RunResult:
    """What a finished run returns: its directory, ``History`` and final test accuracy."""

    run_dir: str
    history: object
    test_acc: float


@dataclasses.dataclass
class RunParts:
    """What ``build_run`` makes from a config: the objects ``fit`` trains with."""

    model: object
    loss: object
    optimizer: object
    scheduler: object
    interval: str
    train_loader: object
    test_loader: object
    input_shape: tuple
    classes: list


def build_run(config):
    """Seed the generator and build the data loaders, model, loss, optimizer and schedule."""
    from ..data import DataLoader

    cr_random.manual_seed(config.seed)
    train_set, test_set = load_datasets(config)
    if parallel.active():
        parallel.check_batches(len(train_set), config.batch_size)
    train_loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True)
    input_shape, _ = input_shape_of(config.dataset)
    classes = [str(name) for name in train_set.classes]
    model = build_model(config.model, input_shape, len(classes), config.hidden, config.init)
    optimizer = build_optimizer(config, model.parameters())
    scheduler, interval = build_scheduler(config, optimizer, len(train_loader))
    return RunParts(model, build_loss(config.loss), optimizer, scheduler, interval, train_loader,
                    DataLoader(test_set, batch_size=EVAL_BATCH_SIZE), input_shape, classes)


def start_run(config, echo=print):
    """Train a new run as ``config`` says, in a new run directory; return a ``RunResult``."""
    parts = build_run(config)  # a bad option or missing data stops here, before any file is made
    run_dir = parallel.shared_run_dir(config.out) if parallel.active() else create_run_dir(config.out)
    config = config.replace(out=run_dir)
    if parallel.writes_files():
        write_config(run_dir, config)
    return _execute(config, run_dir, parts, echo)


def resume_run(run_dir, overrides=None, echo=print):
    """Continue the run in ``run_dir`` from its ``last`` checkpoint (from the start if it was
    stopped before its first one), exactly as if it had never stopped. ``overrides`` may
    change only ``RESUME_OVERRIDES`` (e.g. more ``epochs``)."""
    overrides = dict(overrides or {})
    refused = sorted(set(overrides) - set(RESUME_OVERRIDES))
    if refused:
        flags = ", ".join("--" + name.replace("_", "-") for name in refused)
        raise ConfigError(f"--resume continues a run with its own config ({run_dir}/config.json); "
                          f"it cannot change {flags}")
    saved = TrainConfig.from_mapping(read_config(run_dir), os.path.join(run_dir, CONFIG_FILE))
    found = {slot: recover_slot(os.path.join(run_dir, CHECKPOINTS_DIR), slot, SIDECAR_FILE)
             for slot in SLOTS}
    checkpoint = None if found["last"] is None else Checkpoint(found["last"])
    if checkpoint is not None:
        saved = checkpoint.config()
        _check_threads(checkpoint, echo)
    config = saved.replace(out=run_dir, **overrides)
    if config.epochs != saved.epochs and config.schedule != "none":
        raise ConfigError(f"--epochs cannot change when resuming a run with --schedule "
                          f"{config.schedule}: the schedule depends on the number of epochs")
    parts = build_run(config)
    if checkpoint is not None:
        _restore(checkpoint, parts)
    if parallel.writes_files():
        write_config(run_dir, config)
    if not config.quiet:
        echo(_resume_message(run_dir, checkpoint))
    return _execute(config, run_dir, parts, echo, None if checkpoint is None else checkpoint.state)


def _resume_message(run_dir, checkpoint):
    if checkpoint is None:
        return f"{run_dir} stopped before its first checkpoint: training it from the start"
    state = checkpoint.state
    return (f"resuming {run_dir} after step {state.step} (epoch {state.epoch + 1}, "
            f"{state.epoch_step} batches into it)")


def _check_threads(checkpoint, echo):
    saved_threads = checkpoint.blas_threads
    if saved_threads is not None and saved_threads != blas_threads():
        echo(f"warning: the run used {saved_threads} BLAS threads and this process uses "
             f"{blas_threads()}; set OMP_NUM_THREADS={saved_threads} for bit-identical results")


def _execute(config, run_dir, parts, echo, state=None):
    description = {"config": config.to_dict(), "model": {
        "name": config.model, "input_shape": list(parts.input_shape), "classes": parts.classes}}
    callbacks = []
    if config.diagnostics:  # first: it adds its per-layer statistics to each epoch's record
        from ..explain.diagnostics import GradientDiagnostics

        callbacks.append(GradientDiagnostics(parts.model, os.path.join(run_dir, DIAGNOSTICS_PLOT_FILE)))
    callbacks += [MetricsLogger(os.path.join(run_dir, METRICS_FILE)),
                  PlotCurves(os.path.join(run_dir, PLOT_FILE))]
    if not config.quiet:
        callbacks.append(EpochSummary(echo))
        if sys.stderr.isatty():
            callbacks.append(ProgressBar())
    callbacks.append(Checkpointer(run_dir, description, config.checkpoint_every))
    if parallel.active():  # this rank's share of the run; only rank 0 keeps the file writers
        parts, callbacks = parallel.distribute(parts, callbacks)
    anomaly = detect_anomaly() if config.detect_anomaly else contextlib.nullcontext()
    with anomaly, np.errstate(all="ignore"):  # non-finite losses stop the run with a clear error
        history = fit(parts.model, parts.loss, parts.optimizer, parts.train_loader,
                      parts.test_loader, config.epochs, parts.scheduler, callbacks,
                      parts.interval, val_name="test", state=state)
    return RunResult(run_dir, history, history["test_acc"][-1])


def _restore(checkpoint, parts):
    parts.model.load_state_dict(checkpoint.model_state(parts.model.state_dict()))
    training = checkpoint.training_state()
    restorers = {"optimizer": parts.optimizer.load_state_dict,
                 "scheduler": None if parts.scheduler is None else parts.scheduler.load_state_dict,
                 "loader": parts.train_loader.load_state_dict}
    problems = []  # a well-formed file whose content does not fit this run (edited by hand, say)
    for key, restore in restorers.items():
        if restore is None:
            continue
        if key not in training:
            problems.append(f"no {key!r} entry")
            continue
        try:
            restore(training[key])
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{key}: {type(exc).__name__}: {exc}")
    if problems:
        raise CheckpointError(os.path.join(checkpoint.directory, TRAINING_FILE),
                              [f"the training state does not fit this run: {p}" for p in problems])
    cr_random.set_rng_state(checkpoint.rng)  # validated when the sidecar was read
