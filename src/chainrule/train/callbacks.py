"""Callbacks of ``fit``: everything around the loop (files, progress, summaries).

A callback subclasses ``Callback`` and overrides any of its hooks; each hook receives the
``TrainingRun`` (model, optimizer, loaders, ``state``...).
"""
import json
import math
import os
import sys
import time

from .extras import require
from ..io import atomic_write_text
from ..io.atomic import naming


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, run):
        pass

    def on_epoch_begin(self, run):
        pass

    def on_step_end(self, run):
        pass

    def on_epoch_end(self, run, record):
        pass

    def on_train_end(self, run):
        pass


class CallbackList(Callback):
    """Calls each hook of the given callbacks in order."""

    def __init__(self, callbacks):
        self.callbacks = list(callbacks)

    def on_train_begin(self, run):
        for callback in self.callbacks:
            callback.on_train_begin(run)

    def on_epoch_begin(self, run):
        for callback in self.callbacks:
            callback.on_epoch_begin(run)

    def on_step_end(self, run):
        for callback in self.callbacks:
            callback.on_step_end(run)

    def on_epoch_end(self, run, record):
        for callback in self.callbacks:
            callback.on_epoch_end(run, record)

    def on_train_end(self, run):
        for callback in self.callbacks:
            callback.on_train_end(run)


class MetricsLogger(Callback):
    """Writes ``path`` as JSON Lines, one object per epoch (the epoch's record).

    At the start (also of a resumed run) the file is rewritten from the run's history, so
    epochs logged after the checkpoint a run resumes from do not appear twice.
    """

    def __init__(self, path):
        self.path = path

    def on_train_begin(self, run):
        atomic_write_text(self.path, "".join(_json_line(record) for record in run.state.history))

    def on_epoch_end(self, run, record):
        try:
            with open(self.path, "a", encoding="utf-8") as file:
                file.write(_json_line(record))
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:  # a torn line is rewritten from the history when the run resumes
            raise naming(exc, self.path) from None


def _json_line(record):
    return json.dumps(record, separators=(", ", ": ")) + "\n"


class PlotCurves(Callback):
    """Draws the loss and accuracy curves to the PNG ``path`` (under ``title``): at the end of training, and
    after an epoch when ``min_interval`` seconds have passed since the last drawing (drawing
    takes a few tenths of a second, more than an epoch of a small model)."""

    def __init__(self, path, min_interval=30.0, title=None):
        self.path, self.min_interval, self.title = path, min_interval, title
        self._drawn_at = -math.inf

    def on_epoch_end(self, run, record):
        if time.monotonic() - self._drawn_at >= self.min_interval:
            self.on_train_end(run)

    def on_train_end(self, run):
        from .plot import plot_curves

        plot_curves(run.state.history, self.path, self.title)
        self._drawn_at = time.monotonic()


class EpochSummary(Callback):
    """Prints one line per epoch: losses, accuracies, learning rate and time."""

    def __init__(self, echo=print):
        self.echo = echo

    def on_epoch_end(self, run, record):
        self.echo(format_record(record, run.epochs))


def format_record(record, epochs):
    """``epoch  3/20  train loss 0.2310 acc 93.41%  test loss ...  lr 0.1  1.23 s``."""
    width = len(str(epochs))
    parts = [f"epoch {record['epoch']:>{width}}/{epochs}"]
    for prefix in ("train", "val", "test"):
        if f"{prefix}_loss" in record:
            parts.append(f"{prefix} loss {record[f'{prefix}_loss']:.4f} "
                         f"acc {100 * record[f'{prefix}_acc']:.2f}%")
    parts.append(f"lr {record['lr']:.4g}")
    parts.append(f"{record['time']:.2f} s")
    return "  ".join(parts)


class ProgressBar(Callback):
    """A tqdm bar per epoch on stderr: examples per second, running loss and ETA.

    The bar is erased at the epoch's end, so put it before any callback that prints then
    (``EpochSummary``): a line printed while the bar is open lands on the bar's line. Call
    ``close()`` when training stops with an error, before printing it."""

    def __init__(self, file=None):
        self._tqdm = require("tqdm", "the progress bar").tqdm
        self.file = file if file is not None else sys.stderr
        self.bar = None

    def on_epoch_begin(self, run):
        dataset = getattr(run.train_loader, "dataset", None)
        self.bar = self._tqdm(
            total=None if dataset is None else len(dataset), initial=run.state.seen,
            desc=f"epoch {run.state.epoch + 1}/{run.epochs}", unit="img", unit_scale=True,
            leave=False, file=self.file, dynamic_ncols=True,
        )
        self._shown = run.state.seen

    def on_step_end(self, run):
        self.bar.set_postfix(loss=f"{run.last_loss:.4f}", refresh=False)
        self.bar.update(run.state.seen - self._shown)
        self._shown = run.state.seen

    def on_epoch_end(self, run, record):
        self.close()

    def close(self):
        """Erase the open bar, if any (safe to call more than once)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
