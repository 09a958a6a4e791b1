"""``ReduceLROnPlateau``: lower the learning rate when a metric stops improving (PyTorch's).
Reached, as in PyTorch, through ``chainrule.optim.lr_scheduler``."""
import math

from .lr_scheduler import LRScheduler, require_int
from .optimizer import Optimizer


class ReduceLROnPlateau(LRScheduler):
    """``step(metric)`` once per epoch: after more than ``patience`` epochs without an
    improvement of the best metric (by ``threshold``, relative or absolute per
    ``threshold_mode``; lower is better in mode 'min', higher in 'max'), every group's lr
    becomes max(lr * factor, min_lr), unless that changes it by no more than ``eps``; then
    ``cooldown`` epochs pass before bad epochs count again."""

    may_be_infinite = ("best",)

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(groups):
                raise ValueError(f"ReduceLROnPlateau: expected {len(groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * len(groups)
        self.factor, self.patience, self.cooldown, self.eps = factor, patience, cooldown, eps
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in groups]
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0
        self.check()

    @property
    def mode_worse(self):
        """The worst possible metric: where ``best`` starts."""
        return math.inf if self.mode == "min" else -math.inf

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def check(self):
        name = "ReduceLROnPlateau"
        if self.mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {self.mode!r}")
        if self.threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got {self.threshold_mode!r}")
        if not 0 <= self.factor < 1:
            raise ValueError(f"{name}: factor must be in [0, 1), got {self.factor!r}")
        for field in ("last_epoch", "patience", "cooldown", "cooldown_counter", "num_bad_epochs"):
            require_int(name, field, getattr(self, field), 0)
        for field, value in (("threshold", self.threshold), ("eps", self.eps),
                             *((f"min_lrs[{i}]", v) for i, v in enumerate(self.min_lrs))):
            if not value >= 0:
                raise ValueError(f"{name}: {field} must be >= 0, got {value!r}")

    def is_better(self, metric, best):
        """Whether ``metric`` improves on ``best`` by more than the threshold."""
        rel = self.threshold_mode == "rel"  # PyTorch's expressions, for the same decisions
        if self.mode == "min":
            return metric < (best * (1.0 - self.threshold) if rel else best - self.threshold)
        return metric > (best * (self.threshold + 1.0) if rel else best + self.threshold)

    def step(self, metrics):
        """Record one epoch's metric (a number, a one-element tensor or a 0-d array)."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups, "
                                   f"min_lr gave {len(self.min_lrs)}; set min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            new_lr = max(group["lr"] * self.factor, min_lr)
            if group["lr"] - new_lr > self.eps:
                group["lr"] = new_lr
