"""A training run from a ``TrainConfig``: data, model, loss, optimizer, schedule, callbacks
and the run directory; new (``start_run``) or continued from its last checkpoint
(``resume_run``)."""
import contextlib
import dataclasses
import os
import shlex
import signal
import sys

import numpy as np

from .. import random as cr_random
from ..autograd import detect_anomaly
from ..io import CheckpointError, open_regular
from . import parallel
from .builders import (
    build_loss, build_model, build_optimizer, build_scheduler, input_shape_of, load_datasets,
)
from .callbacks import EpochSummary, MetricsLogger, PlotCurves, ProgressBar
from .checkpoint import SIDECAR_FILE, SLOTS, TRAINING_FILE, Checkpoint, Checkpointer, save_checkpoint
from .config import ConfigError, TrainConfig, format_options
from .interrupt import StopOnSignal, TrainingInterrupted
from .loop import History, fit
from .rundir import (
    CHECKPOINTS_DIR, CONFIG_FILE, DIAGNOSTICS_PLOT_FILE, METRICS_FILE, PLOT_FILE, blas_threads, checkpoints_dir,
    create_run_dir, RunDirError, limit_threads, read_config, write_config, writer_lock,
)
from .slots import find_slot, recover_slot

EVAL_BATCH_SIZE = 1000
# Options a resumed run may change: they do not alter the computation.
RESUME_OVERRIDES = ("epochs", "quiet", "checkpoint_every", "data_dir", "download",
                    "detect_anomaly", "diagnostics", "threads")  # threads: only the last bits


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


def start_run(config, echo=print, recipe=None):
    """Train a new run as ``config`` says, in a new run directory; return a ``RunResult``.
    ``recipe``: the options ``config`` took from its model's recipe, said once it starts."""
    parts = build_run(config)  # a bad option or missing data stops here, before any file is made
    run_dir = parallel.shared_run_dir(config.out) if parallel.active() else create_run_dir(config.out)
    config = config.replace(out=run_dir)
    if recipe and not config.quiet:
        echo(f"recipe of {config.model} on {config.dataset}: {format_options(recipe)} "
             "(options given override it)")
    with _only_writer(run_dir), limit_threads(config.threads), _stop_on_write_errors(run_dir):
        if parallel.writes_files():  # threads: recorded in every file
            write_config(run_dir, config)
        return _execute(config, run_dir, parts, echo)


@contextlib.contextmanager
def _stop_on_write_errors(run_dir):
    """A file of the run that cannot be written (disk full, read-only, no permission) ends the
    run with one error naming it; every checkpoint is replaced whole, so the last one saved
    before it is intact."""
    try:
        yield
    except OSError as exc:
        cause = exc.strerror or str(exc) or type(exc).__name__
        raise RunDirError(f"cannot write {exc.filename or run_dir}: {cause}; the run stopped and "
                          f"{_kept_checkpoint(run_dir)}; once it can be written, continue with "
                          f"{_resume_command(run_dir)}") from None


def _only_writer(run_dir):
    """The run directory's writer lock, held by the process that writes it (rank 0)."""
    return writer_lock(run_dir) if parallel.writes_files() else contextlib.nullcontext()


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
    with _only_writer(run_dir):  # before recover_slot, which may rename checkpoints
        return _continue(run_dir, saved, overrides, echo)


def _continue(run_dir, saved, overrides, echo):
    checkpoints = checkpoints_dir(run_dir)
    try:
        found = {slot: recover_slot(checkpoints, slot, SIDECAR_FILE) for slot in SLOTS}
    except OSError as exc:  # no permission to rename in a run folder from elsewhere, say
        raise RunDirError(f"cannot finish the interrupted save of a checkpoint in {checkpoints}: "
                          f"{exc.strerror or exc} ({exc.filename})") from None
    if found["last"] is None:
        _check_nothing_was_lost(run_dir)
    try:
        checkpoint = None if found["last"] is None else Checkpoint(found["last"])
        if checkpoint is not None:
            saved = checkpoint.config()
        # the network only when this command asks for it; the run's own data folder is reused,
        # and said (a run folder from elsewhere names a folder of its choosing)
        config = saved.replace(out=run_dir, **{"download": False, **overrides})
        if config.epochs != saved.epochs and config.schedule != "none":
            raise ConfigError(f"--epochs cannot change when resuming a run with --schedule "
                              f"{config.schedule}: the schedule depends on the number of epochs")
        if checkpoint is not None and checkpoint.state.epoch >= config.epochs:
            return _already_complete(run_dir, checkpoint, config, echo)
        if "data_dir" not in overrides and config.data_dir is not None and config.dataset != "digits":
            echo(f"reading {config.dataset} from {config.data_dir} (the run's --data-dir; "
                 "give --data-dir to read another folder)")
        parts = build_run(config)
        if checkpoint is not None:
            _restore(checkpoint, parts)
    except CheckpointError as exc:
        raise CheckpointError(exc.path, exc.problems, _intact_best_hint(run_dir, found["best"])) from None
    with limit_threads(config.threads), _stop_on_write_errors(run_dir):
        if checkpoint is not None:
            _check_threads(checkpoint, echo)
        if parallel.writes_files():
            write_config(run_dir, config)
        if not config.quiet:
            echo(_resume_message(run_dir, checkpoint))
        return _execute(config, run_dir, parts, echo, None if checkpoint is None else checkpoint.state)


def _check_nothing_was_lost(run_dir):
    """A run with epochs in its metrics but no checkpoint lost its checkpoints: training it
    from the start would silently replace them."""
    path = os.path.join(run_dir, METRICS_FILE)
    try:
        with open_regular(path) as file:  # bytes: a line need not be UTF-8 to count
            logged = sum(1 for line in file if line.strip())
    except FileNotFoundError:
        return
    except OSError as exc:  # a directory or a named pipe in its place
        raise RunDirError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if logged:
        raise RunDirError(
            f"{run_dir}: {METRICS_FILE} records {logged} epoch{'' if logged == 1 else 's'} but "
            f"{CHECKPOINTS_DIR}/ holds no checkpoint (deleted?), so there is nothing to continue "
            f"from; train a new run with --out elsewhere, or delete {METRICS_FILE} to train this "
            "one again from the start")


def _already_complete(run_dir, checkpoint, config, echo):
    """The result of a run whose ``last`` checkpoint has all its epochs; nothing is written."""
    done = checkpoint.state.epoch
    if done > config.epochs:
        raise ConfigError(f"--epochs {config.epochs}: {run_dir} has already completed {done} "
                          f"epochs; give at least {done}, or leave --epochs out")
    more = "" if config.schedule != "none" else f"; train more with --resume {run_dir} --epochs N"
    echo(f"{run_dir} is already complete ({done} of {config.epochs} epochs): nothing to train{more}")
    history = checkpoint.state.history
    return RunResult(run_dir, History(history), history[-1]["test_acc"])


def _intact_best_hint(run_dir, best):
    """What to do when ``last`` is broken and ``best`` is intact (None: it is not)."""
    if best is None:
        return None
    try:
        checkpoint = Checkpoint(best)
        checkpoint.model_state()
        checkpoint.training_state()
    except CheckpointError:
        return None
    last = os.path.join(os.path.dirname(best), "last")
    return (f"{best} (after epoch {checkpoint.state.epoch}) is intact: to continue from it, "
            f"replace last with it (rm -r {shlex.quote(last)} && cp -r {shlex.quote(best)} "
            f"{shlex.quote(last)}) and resume again; eval and predict use it as it is")


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
             f"{blas_threads()}; resume with --threads {saved_threads} for bit-identical results")


def _execute(config, run_dir, parts, echo, state=None):
    description = {"config": config.to_dict(), "model": {
        "name": config.model, "input_shape": list(parts.input_shape), "classes": parts.classes}}
    callbacks = []
    if config.diagnostics:  # first: it adds its per-layer statistics to each epoch's record
        from ..explain.diagnostics import GradientDiagnostics

        callbacks.append(GradientDiagnostics(parts.model, os.path.join(run_dir, DIAGNOSTICS_PLOT_FILE)))
    callbacks += [MetricsLogger(os.path.join(run_dir, METRICS_FILE)),
                  PlotCurves(os.path.join(run_dir, PLOT_FILE), title=_plot_title(config, run_dir))]
    progress = ProgressBar() if not config.quiet and sys.stderr.isatty() else None
    if progress is not None:  # before the summary: the bar is erased before the epoch's line
        callbacks.append(progress)
    if not config.quiet:
        callbacks.append(EpochSummary(echo))
    callbacks.append(Checkpointer(run_dir, description, config.checkpoint_every))
    stop = StopOnSignal(lambda run: save_checkpoint(run_dir, "last", run, description))
    callbacks.append(stop)  # after the Checkpointer: at an epoch end, last is saved before it stops
    if parallel.active():  # this rank's share of the run; only rank 0 keeps the file writers
        parts, callbacks = parallel.distribute(parts, callbacks)
    anomaly = detect_anomaly() if config.detect_anomaly else contextlib.nullcontext()
    try:
        with stop, anomaly, np.errstate(all="ignore"):  # non-finite losses stop with a clear error
            history = fit(parts.model, parts.loss, parts.optimizer, parts.train_loader,
                          parts.test_loader, config.epochs, parts.scheduler, callbacks,
                          parts.interval, val_name="test", state=state)
    except StopOnSignal.Stopped as stopped:
        raise TrainingInterrupted(_stopped_message(run_dir, stopped, config.epochs),
                                  stopped.signal_number) from None
    except KeyboardInterrupt:
        raise TrainingInterrupted(_stopped_at_once_message(run_dir), signal.SIGINT, saved=False) from None
    finally:  # an error message must not land on the bar's line
        if progress is not None:
            progress.close()
    return RunResult(run_dir, history, history["test_acc"][-1])


def _plot_title(config, run_dir):
    """``lenet5 on mnist: sgd lr 0.05, batch 64 (run 20261203-064210)``."""
    return (f"{config.model} on {config.dataset}: {config.optimizer} lr {config.lr:g}, batch "
            f"{config.batch_size} (run {os.path.basename(os.path.normpath(run_dir))})")


def _stopped_message(run_dir, stopped, epochs):
    state = stopped.state
    where = (f"after epoch {state.epoch} of {epochs}" if state.epoch_step == 0 else
             f"at step {state.step} (epoch {state.epoch + 1}, {state.epoch_step} batches into it)")
    return (f"stopped by {signal.Signals(stopped.signal_number).name} {where}; saved the "
            f"checkpoint {os.path.join(run_dir, CHECKPOINTS_DIR, 'last')} there.\n"
            f"{_resume_hint(run_dir)}")


def _stopped_at_once_message(run_dir):
    return f"stopped at once by a second interrupt; {_kept_checkpoint(run_dir)}.\n{_resume_hint(run_dir)}"


def _kept_checkpoint(run_dir):
    """What the run's ``last`` slot holds, said after training stopped unexpectedly."""
    found = find_slot(os.path.join(run_dir, CHECKPOINTS_DIR), "last", SIDECAR_FILE)
    if found is None:
        return "no checkpoint had been saved yet: resuming starts the run from the beginning"
    state = Checkpoint(found).state
    return f"the last checkpoint, of step {state.step} (epoch {state.epoch + 1}), is intact"


def _resume_hint(run_dir):
    return f"Continue with: {_resume_command(run_dir)}"


def _resume_command(run_dir):
    return f"chainrule train --resume {shlex.quote(run_dir)}"


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
