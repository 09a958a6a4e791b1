"""``fit``, the training loop, and ``evaluate``, loss and accuracy under ``no_grad``.

The loop only composes a model, a loss, an optimizer, an optional scheduler and data
loaders; everything else (checkpoints, metrics files, progress bars, diagnostics) is a
callback (``chainrule.train.callbacks``).
"""
import dataclasses
import math
import time
from collections import namedtuple

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .callbacks import CallbackList


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or Inf; training stopped before using it."""


@dataclasses.dataclass
class TrainState:
    """Where training stands; a checkpoint saves it and ``fit`` resumes from it.

    ``epoch``: completed epochs; ``step``: optimizer steps in total; ``epoch_step``: steps
    in the current epoch; ``loss_sum``/``correct``/``seen``: running sums of the current
    epoch (per-example loss, right predictions, examples); ``epoch_time``: seconds spent in
    the current epoch; ``history``: one record per completed epoch.
    """

    epoch: int = 0
    step: int = 0
    epoch_step: int = 0
    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    epoch_time: float = 0.0
    history: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        """The state ``to_dict`` gave; raises ``ValueError`` listing every field that is
        missing, unknown or of the wrong type (a hand-edited checkpoint, say)."""
        if not isinstance(values, dict):
            raise ValueError(f"expected an object of the fields {', '.join(_FIELD_TYPES)}, "
                             f"got {type(values).__name__}")
        problems = [f"unknown field {name!r}" for name in values if name not in _FIELD_TYPES]
        for name, kind in _FIELD_TYPES.items():
            if name not in values:
                problems.append(f"missing field {name!r}")
            elif not _FIELD_CHECKS[kind](values[name]):
                problems.append(f"field {name!r} is {_short(values[name])}, expected {_FIELD_WANTED[kind]}")
        if not problems and len(values["history"]) != values["epoch"]:
            problems.append(f"field 'history' holds {len(values['history'])} records for "
                            f"{values['epoch']} completed epochs")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(**values)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_FIELD_TYPES = {field.name: field.type for field in dataclasses.fields(TrainState)}
_FIELD_CHECKS = {
    int: lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
    float: _is_number,
    list: lambda value: isinstance(value, list) and all(
        isinstance(record, dict) and all(isinstance(k, str) and _is_number(v) for k, v in record.items())
        for record in value),
}
_FIELD_WANTED = {int: "an integer >= 0", float: "a number",
                 list: "a list of records (objects mapping names to numbers)"}


def _short(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclasses.dataclass
class TrainingRun:
    """What the callbacks see: the objects being trained and the ``TrainState``."""

    model: object
    loss_fn: object
    optimizer: object
    train_loader: object
    val_loader: object
    scheduler: object
    epochs: int
    state: TrainState
    val_name: str = "val"
    last_loss: float = math.nan

    @property
    def lr(self):
        return self.optimizer.param_groups[0]["lr"]


class History:
    """The per-epoch records of ``fit``: ``history.epochs`` is the list of dicts,
    ``history["train_loss"]`` the list of one metric over the epochs."""

    def __init__(self, epochs):
        self.epochs = list(epochs)

    def __getitem__(self, key):
        return [record[key] for record in self.epochs]

    def __len__(self):
        return len(self.epochs)

    def __repr__(self):
        return f"History({self.epochs!r})"


def fit(model, loss, optimizer, train_loader, val_loader=None, epochs=1, scheduler=None,
        callbacks=(), scheduler_interval="epoch", val_name="val", state=None):
    """Train ``model`` for ``epochs`` epochs and return its ``History``.

    ``loss(output, target)`` returns the batch-mean loss (e.g. ``nn.functional.cross_entropy``);
    the scheduler steps once per epoch, or once per optimizer step with
    ``scheduler_interval="step"`` (OneCycleLR). After each epoch the model is evaluated on
    ``val_loader``; the record holds ``epoch, train_loss, train_acc, {val_name}_loss,
    {val_name}_acc, lr, time``. Callbacks get ``on_train_begin(run)``,
    ``on_epoch_begin(run)``, ``on_step_end(run)``, ``on_epoch_end(run, record)`` and
    ``on_train_end(run)``. To resume, restore the model, optimizer, scheduler and loader
    states and pass the saved ``state`` (a ``TrainState``): the loop continues from its
    epoch and step. Raises ``NonFiniteLossError`` when a loss is NaN or Inf (before that
    loss changes any weight).
    """
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
    run = TrainingRun(model, loss, optimizer, train_loader, val_loader, scheduler, epochs,
                      state if state is not None else TrainState(), val_name)
    step_scheduler = scheduler if scheduler_interval == "step" else None
    callbacks = CallbackList(callbacks)
    callbacks.on_train_begin(run)
    while run.state.epoch < epochs:
        model.train()
        callbacks.on_epoch_begin(run)
        tick = time.perf_counter()
        for inputs, targets in train_loader:
            _train_step(run, inputs, targets, step_scheduler)
            now = time.perf_counter()
            run.state.epoch_time += now - tick
            tick = now
            callbacks.on_step_end(run)
        callbacks.on_epoch_end(run, _end_epoch(run, scheduler if step_scheduler is None else None))
    callbacks.on_train_end(run)
    return History(run.state.history)


def _train_step(run, inputs, targets, scheduler):
    state = run.state
    run.optimizer.zero_grad()
    outputs = run.model(inputs)
    loss = run.loss_fn(outputs, targets)
    value = loss.item()
    if not math.isfinite(value):
        raise NonFiniteLossError(
            f"training stopped: the loss became {value} at epoch {state.epoch + 1}, step "
            f"{state.epoch_step + 1} of the epoch (step {state.step + 1} in all); the weights "
            "it would have changed were not updated and nothing more was saved. Try a smaller "
            "learning rate, or anomaly detection (chainrule.autograd.detect_anomaly, CLI "
            "--detect-anomaly) to find the op that first produced it."
        )
    loss.backward()
    run.optimizer.step()
    if scheduler is not None:
        scheduler.step()
    labels = _array(targets)
    state.step += 1
    state.epoch_step += 1
    state.loss_sum += value * len(labels)
    state.correct += int((_array(outputs).argmax(axis=1) == labels).sum())
    state.seen += len(labels)
    run.last_loss = value


def _end_epoch(run, scheduler):
    state = run.state
    if state.seen == 0:
        raise ValueError("fit: the training loader yielded no batch in an epoch")
    record = {"epoch": state.epoch + 1, "train_loss": state.loss_sum / state.seen,
              "train_acc": state.correct / state.seen}
    if run.val_loader is not None:
        result = evaluate(run.model, run.loss_fn, run.val_loader)
        record[f"{run.val_name}_loss"] = result.loss
        record[f"{run.val_name}_acc"] = result.accuracy
    record["lr"] = run.lr
    if scheduler is not None:
        scheduler.step()
    record["time"] = state.epoch_time
    state.history.append(record)
    state.epoch += 1
    state.epoch_step = state.correct = state.seen = 0
    state.loss_sum = state.epoch_time = 0.0
    return record


Evaluation = namedtuple("Evaluation", ["loss", "accuracy", "predictions", "targets", "outputs"])
Evaluation.__doc__ = """Result of ``evaluate``: mean loss, accuracy, and per-example predicted
classes, true classes and model outputs (arrays of shape (N,), (N,), (N, classes))."""


def evaluate(model, loss, loader):
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode under ``no_grad``."""
    was_training = model.training
    model.eval()
    loss_sum, outputs, targets = 0.0, [], []
    try:
        with no_grad():
            for inputs, batch_targets in loader:
                batch_outputs = model(inputs)
                labels = _array(batch_targets)
                loss_sum += loss(batch_outputs, batch_targets).item() * len(labels)
                outputs.append(_array(batch_outputs))
                targets.append(labels)
    finally:
        model.train(was_training)
    if not targets:
        raise ValueError("evaluate: the loader yielded no batch")
    outputs, targets = np.concatenate(outputs), np.concatenate(targets)
    predictions = outputs.argmax(axis=1)
    return Evaluation(loss_sum / len(targets), float((predictions == targets).mean()),
                      predictions, targets, outputs)


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)
