"""The PNG of a run's loss and accuracy curves (matplotlib's object API; no pyplot state)."""
import io

from .extras import require
from ..io import atomic_write_bytes

TRAIN_LABEL = "train (running avg)"
TRAIN_NOTE = ("train: the running average over each epoch's batches, in train mode while the weights "
              "changed; val/test: the model at the end of the epoch")


def plot_curves(history, path, title=None):
    """Draw loss (left) and accuracy (right) per epoch for every split in ``history``
    (a list of epoch records), under ``title`` if given, and write the PNG to ``path``
    atomically; return the matplotlib ``Figure``. The train curves are labelled as what
    ``fit`` records: running averages over the epoch's batches, taken in train mode while
    the weights changed, so they can trail (or, with dropout, sit below) val/test, which
    score the model as it is at the epoch's end."""
    figure_module = require("matplotlib.figure", "plotting the training curves")
    from matplotlib.ticker import MaxNLocator
    figure = figure_module.Figure(figsize=(9, 3.6))
    has_train = bool(history) and "train_loss" in history[0]
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.22 if has_train else 0.14,
                           top=0.8 if title else 0.9, wspace=0.25)
    if title:
        figure.suptitle(title, fontsize=10)
    loss_axes, acc_axes = figure.subplots(1, 2)
    epochs = [record["epoch"] for record in history]
    for split in ("train", "val", "test"):
        if history and f"{split}_loss" in history[0]:
            label = TRAIN_LABEL if split == "train" else split
            loss_axes.plot(epochs, [r[f"{split}_loss"] for r in history], marker=".", label=label)
            acc_axes.plot(epochs, [100 * r[f"{split}_acc"] for r in history], marker=".",
                          label=label)
    for axes, label in ((loss_axes, "loss"), (acc_axes, "accuracy (%)")):
        axes.set_xlabel("epoch")
        if epochs:  # one epoch: one tick at 1, not an axis from 0.95 to 1.05
            axes.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
        axes.legend()
    if has_train:
        figure.text(0.01, 0.015, TRAIN_NOTE, fontsize=7.5, color="#444444")
    loss_axes.set_title("Loss")
    acc_axes.set_title("Accuracy")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())
    return figure
