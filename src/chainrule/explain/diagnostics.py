"""Training diagnostics: how fast each layer learns, recorded per step, summarised per epoch.

    diagnostics = GradientDiagnostics(model)
    for epoch in ...:
        for x, y in loader:
            optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()
            diagnostics.step()
        record.update(diagnostics.end_epoch())   # flat dict of floats, for metrics.jsonl
    diagnostics.close()
    plot_diagnostics(history, "diagnostics.png")

It is also a callback of ``chainrule.train.fit`` (it has the five hooks: on_train_begin,
on_epoch_begin, on_step_end, on_epoch_end(run, record), on_train_end); put it before the
metrics logger so the record it extends is the one written.

Per layer (every module with a weight matrix: Linear, Conv1d, Conv2d; named as in
``named_modules()``), averaged over the epoch's steps:
- ``grad_norm/<layer>``: ||dC/dW||, the weight gradient's norm;
- ``grad_rms/<layer>``: ||dC/dW|| / sqrt(size of W), the norm per weight, so that a big layer
  (784x30) does not look fast only because it has many weights;
- ``delta/<layer>``: mean |dC/dz| over the layer's output z (batch, units, positions): the
  layer's error, its learning speed; a deep sigmoid network shows it shrinking toward
  the input (the vanishing gradient);
- ``update_ratio/<layer>``: ||W_after - W_before|| / ||W_before|| of each optimizer step
  (about 1e-3 is healthy);
and per ``nn.ReLU`` module ``dead_relu/<name>``: the fraction of its units (features and
positions) that output 0 for every training example of the epoch. C is the loss that
backward ran on (the batch mean in ``fit``). Only training forwards are recorded (grad
enabled, module in training mode), not evaluation.
"""
import io
import math
import os
import time

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..io import atomic_write_bytes

METRICS = ("delta", "grad_rms", "update_ratio", "dead_relu")  # the panels drawn per epoch
TITLES = {
    "grad_rms": "gradient per weight ||dC/dW|| / sqrt(size of W)",
    "delta": "mean |delta^l| = mean |dC/dz^l| (learning speed)",
    "update_ratio": "update / weight ratio",
    "dead_relu": "fraction of dead ReLU units",
}


def _layers(model):
    """(name, module) of every module owning a weight matrix, and of every ReLU module."""
    from ..nn import ReLU

    weighted, relus = [], []
    for name, module in model.named_modules():
        label = name or type(module).__name__
        weight = module._parameters.get("weight")
        if weight is not None and weight.ndim >= 2:
            weighted.append((label, module))
        if isinstance(module, ReLU):
            relus.append((label, module))
    return weighted, relus


class GradientDiagnostics:
    """Records per-layer gradient statistics of ``model``; see the module docstring.

    ``history``: the per-epoch summaries so far. ``plot_path``: when given, the PNG is
    drawn (from the run's history when used as a callback) at the end of training and after
    an epoch when ``min_interval`` seconds have passed since the last drawing (a drawing
    takes longer than an epoch of a small model).
    """

    def __init__(self, model, plot_path=None, min_interval=30.0):
        self.model = model
        self.plot_path, self.min_interval = plot_path, min_interval
        self._drawn_at = -math.inf
        self.layers, self.relus = _layers(model)
        if not self.layers:
            raise ValueError("GradientDiagnostics: the model has no layer with a weight matrix")
        self.history = []
        self._handles = []
        self._previous = {}
        self._reset()
        self.attach()

    # ---- recording ------------------------------------------------------------------------
    def attach(self):
        """Install the forward hooks (done by the constructor) and remember the weights."""
        if not self._handles:
            for name, module in self.layers:
                self._handles.append(module.register_forward_hook(self._delta_hook(name)))
            for name, module in self.relus:
                self._handles.append(module.register_forward_hook(self._relu_hook(name)))
        self._previous = {name: module.weight._data.copy() for name, module in self.layers}

    def close(self):
        """Remove the hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _add(self, metric, name, value):
        self._sums[metric][name] = self._sums[metric].get(name, 0.0) + value

    def _delta_hook(self, name):
        def record(grad):
            self._add("delta", name, float(np.mean(np.abs(grad._data))))
            self._add("delta_count", name, 1)

        def hook(module, inputs, output):
            if module.training and is_grad_enabled() and output.requires_grad:
                output.register_hook(record)

        return hook

    def _relu_hook(self, name):
        def hook(module, inputs, output):
            if module.training and is_grad_enabled():
                active = np.any(output._data > 0, axis=0)
                previous = self._active.get(name)
                self._active[name] = active if previous is None else previous | active

        return hook

    def step(self):
        """Call after each optimizer step: reads the gradients and the update of every layer."""
        for name, module in self.layers:
            weight = module.weight
            if weight._grad is not None:
                norm = float(np.linalg.norm(weight._grad._data))
                self._add("grad_norm", name, norm)
                self._add("grad_rms", name, norm / np.sqrt(weight._grad._data.size))
            previous = self._previous[name]
            scale = float(np.linalg.norm(previous))
            self._add("update_ratio", name, float(np.linalg.norm(weight._data - previous)) / scale if scale else np.nan)
            np.copyto(previous, weight._data)
        self._steps += 1

    def end_epoch(self):
        """The epoch's summary as a flat dict of floats (also appended to ``history``); resets."""
        sums, steps = self._sums, max(self._steps, 1)
        summary = {}
        for name, _ in self.layers:
            summary[f"grad_norm/{name}"] = sums["grad_norm"].get(name, np.nan) / steps
            summary[f"grad_rms/{name}"] = sums["grad_rms"].get(name, np.nan) / steps
            count = sums["delta_count"].get(name, 0)
            summary[f"delta/{name}"] = sums["delta"][name] / count if count else np.nan
            summary[f"update_ratio/{name}"] = sums["update_ratio"].get(name, np.nan) / steps
        for name, _ in self.relus:
            active = self._active.get(name)
            summary[f"dead_relu/{name}"] = np.nan if active is None else 1.0 - float(np.mean(active))
        self.history.append(summary)
        self._reset()
        return summary

    def _reset(self):
        self._sums = {key: {} for key in ("grad_norm", "grad_rms", "delta", "delta_count", "update_ratio")}
        self._active = {}
        self._steps = 0

    def plot(self, path, history=None):
        """Write the PNG of ``history`` (default: this object's)."""
        return plot_diagnostics(self.history if history is None else history, path)

    # ---- the callback protocol of chainrule.train.fit --------------------------------------
    def on_train_begin(self, run):
        self.attach()

    def on_epoch_begin(self, run):
        self._reset()

    def on_step_end(self, run):
        self.step()

    def on_epoch_end(self, run, record):
        record.update(self.end_epoch())
        if time.monotonic() - self._drawn_at >= self.min_interval:
            self._draw(run)

    def on_train_end(self, run):
        self._draw(run)
        self.close()

    def _draw(self, run):
        if self.plot_path is not None:
            state = getattr(run, "state", None)
            self.plot(self.plot_path, getattr(state, "history", None) or self.history)
            self._drawn_at = time.monotonic()


def metrics_of(record):
    """The per-epoch panels a record has data for, in METRICS order (no dead-ReLU panel
    for a network without ReLUs)."""
    return [m for m in METRICS if any(k.startswith(m + "/") for k in record)]


def plot_diagnostics(history, path):
    """Plot per-epoch diagnostics (dicts with ``grad_norm/...`` keys, e.g. the lines of
    metrics.jsonl) to a PNG at ``path``. First the picture that answers "which layer learns
    how fast": mean |delta^l| against the layer l = 1..L, one line per epoch; then one panel
    per metric the network has (dead ReLUs only where it has ReLUs), one line per layer,
    each layer labelled ``l (its module name)``."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("plot_diagnostics needs matplotlib: pip install 'chainrule[cli]'") from None
    records = [r for r in history if any(k.startswith("grad_norm/") for k in r)]
    if not records:
        raise ValueError("plot_diagnostics: no diagnostics in the history (keys 'grad_norm/<layer>')")
    epochs = [r.get("epoch", i + 1) for i, r in enumerate(records)]
    layers = [k.split("/", 1)[1] for k in records[-1] if k.startswith("grad_norm/")]
    label = {name: f"{l} ({name})" for l, name in enumerate(layers, start=1)}
    panels = metrics_of(records[-1])
    fig = Figure(figsize=(11, 3.6 * ((len(panels) + 2) // 2)))
    FigureCanvasAgg(fig)
    axes = fig.subplots((len(panels) + 2) // 2, 2, squeeze=False).ravel()
    by_layer = axes[0]
    for epoch, record in zip(epochs, records):
        by_layer.plot(range(1, len(layers) + 1), [record.get(f"delta/{n}", np.nan) for n in layers],
                      marker="o", markersize=3, label=f"epoch {epoch}")
    by_layer.set(title="mean |delta^l| against the layer l", xlabel="layer l", yscale="log")
    by_layer.set_xticks(range(1, len(layers) + 1), [label[n] for n in layers], fontsize=7)
    by_layer.legend(fontsize=7)
    for ax, metric in zip(axes[1:], panels):
        for name in layers if metric != "dead_relu" else [k.split("/", 1)[1] for k in records[-1]
                                                            if k.startswith("dead_relu/")]:
            values = [r.get(f"{metric}/{name}", np.nan) for r in records]
            ax.plot(epochs, values, marker="o", markersize=3, label=label.get(name, name))
        ax.set_title(TITLES[metric], fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)  # one epoch: one tick, not 0.95..1.05
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        if metric != "dead_relu":
            ax.set_yscale("log")
        ax.legend(fontsize=7, title="layer l (module)" if metric != "dead_relu" else "ReLU", title_fontsize=7)
    for ax in axes[1 + len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()  # drawn in memory, then written atomically (never a torn PNG)
    fig.savefig(buffer, format=os.path.splitext(os.fspath(path))[1][1:].lower() or "png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())
    return path
