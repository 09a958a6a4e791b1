"""Learning-rate schedules with PyTorch's names, arguments and values: ``StepLR``,
``CosineAnnealingLR``, ``OneCycleLR`` here; ``MultiStepLR``, ``ExponentialLR``, ``LinearLR``,
``LambdaLR``, ``CosineAnnealingWarmRestarts``, ``SequentialLR`` (schedules.py) and
``ReduceLROnPlateau`` (plateau.py), all importable from here.

A scheduler sets ``group["lr"]`` of its optimizer's parameter groups. As in PyTorch,
creating one applies the step-0 value; call ``scheduler.step()`` after
``optimizer.step()``, once per epoch (most) or once per batch (OneCycleLR). Some schedules
are closed forms of the step (``lr_at``); the chainable ones (``MultiStepLR``,
``ExponentialLR``, ``LinearLR``) multiply the group's current lr, as PyTorch's do, so an lr
set by hand carries on from the new value. ``state_dict()`` is a JSON-serialisable dict of
numbers and lists; ``load_state_dict`` sets only the fields it gave, each checked.
"""
import math

from .optimizer import Optimizer, kind_mismatch


def require_int(name, field, value, low):
    """ValueError unless ``value`` is an int (not a bool) >= ``low``."""
    if not (type(value) is int and value >= low):
        raise ValueError(f"{name}: {field} must be an integer >= {low}, got {value!r}")


class LRScheduler:
    """Base class: subclasses give ``lr_at(base_lr, step)`` (or override ``get_lr``, and
    ``closed_form_lr`` for ``step(epoch)``, ``initial_lr`` for what creating one sets)."""

    unsaved = ("optimizer",)  # attributes that are not state (objects, code)
    may_be_infinite = ()  # number fields a file may set to inf or -inf

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.check()
        self._initial_step()

    def _initial_step(self):
        self.last_epoch += 1
        self._set_lrs(self.initial_lr())

    def check(self):
        """ValueError naming the field whose value this scheduler cannot run with (called by
        ``__init__`` and by ``load_state_dict``, whose values come from a file)."""
        name = type(self).__name__
        require_int(name, "last_epoch", self.last_epoch, -1)
        if len(self.base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(f"{name}: base_lrs has {len(self.base_lrs)} values for "
                             f"{len(self.optimizer.param_groups)} parameter groups")

    def get_lr(self):
        return [self.lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]

    def lr_at(self, base_lr, step):
        raise NotImplementedError

    def initial_lr(self):
        """The learning rates that creating the scheduler sets (step ``last_epoch``)."""
        return self.get_lr()

    def closed_form_lr(self):
        """The learning rates at step ``last_epoch`` computed from ``base_lrs`` alone."""
        return self.get_lr()

    def step(self, epoch=None):
        """Advance one epoch (or batch) and set every group's learning rate. ``epoch`` (as
        PyTorch's deprecated argument) jumps to that step instead, using the closed form."""
        if epoch is None:
            self.last_epoch += 1
            self._set_lrs(self.get_lr())
            return
        require_int(type(self).__name__, "epoch", epoch, 0)
        self.last_epoch = epoch
        self._set_lrs(self.closed_form_lr())

    def _set_lrs(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates set by the last ``step``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """Every attribute but the optimizer: numbers and lists, JSON-serialisable."""
        return self._fields()

    def _fields(self):
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()
                if k not in self.unsaved}

    def load_state_dict(self, state_dict):
        """Restore the fields ``state_dict()`` gave, each checked against the current one (a
        number stays a finite number, a list keeps its length) and by ``check``; nothing
        changes unless all of them fit, and no other attribute can be set (not ``step``)."""
        name = type(self).__name__
        current = self._fields()
        if not isinstance(state_dict, dict):
            raise ValueError(f"{name}.load_state_dict: expected a dict, got {state_dict!r:.60}")
        missing, unknown = sorted(set(current) - set(state_dict)), sorted(set(state_dict) - set(current))
        problems = [f"missing {missing}"] if missing else []
        problems += [f"unknown fields {unknown}"] if unknown else []
        problems += [f"{key} must be {expected}, got {state_dict[key]!r:.60}" for key in current
                     if key in state_dict and (expected := self._mismatch(key, state_dict[key], current[key]))]
        if problems:
            raise ValueError(f"{name}.load_state_dict: " + "; ".join(problems))
        previous = dict(self.__dict__)
        self.__dict__.update({key: state_dict[key] for key in current})
        try:
            self.check()
        except ValueError:
            self.__dict__ = previous
            raise

    def _mismatch(self, key, value, like):
        if key in self.may_be_infinite and isinstance(value, float) and math.isinf(value):
            return None
        return kind_mismatch(value, like)


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def check(self):
        super().check()
        if not (type(self.step_size) is int and self.step_size > 0):
            raise ValueError(f"StepLR: step_size must be a positive integer, got {self.step_size!r}")

    def lr_at(self, base_lr, step):
        return base_lr * self.gamma ** (step // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2 (SGDR without restarts)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def check(self):
        super().check()
        if not (isinstance(self.T_max, (int, float)) and not isinstance(self.T_max, bool) and self.T_max > 0):
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive number, got {self.T_max!r}")

    def lr_at(self, base_lr, step):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * step / self.T_max)) / 2


def _per_group(value, groups, name):
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(f"expected {len(groups)} values for {name}, got {len(value)}")
        return list(value)
    return [value] * len(groups)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith and Topin, 2017), stepped once per batch: the lr rises from
    max_lr / div_factor to max_lr over the first pct_start of ``total_steps``, then anneals
    to initial_lr / final_div_factor ('cos' or 'linear'); momentum (or Adam's beta1) moves
    the opposite way between max_momentum and base_momentum when ``cycle_momentum``.
    ``three_phase`` adds PyTorch's symmetric decay phase."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if total_steps is None:
            if not epochs or not steps_per_epoch:
                raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        self._check_schedule()
        self.cycle_momentum = cycle_momentum
        self.phases = self._phases(float(pct_start * total_steps), three_phase)
        groups = optimizer.param_groups
        self.use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum and not self.use_beta1 and "momentum" not in optimizer.defaults:
            raise ValueError("OneCycleLR: optimizer must support momentum or beta1 with cycle_momentum")
        max_lrs = _per_group(max_lr, groups, "max_lr")
        base_moms = _per_group(base_momentum, groups, "base_momentum")
        max_moms = _per_group(max_momentum, groups, "max_momentum")
        for group, top, base_m, max_m in zip(groups, max_lrs, base_moms, max_moms):
            if last_epoch == -1:
                group["initial_lr"] = top / div_factor
                group["lr"] = group["initial_lr"]
            group["max_lr"] = top
            group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                if last_epoch == -1:
                    self._set_momentum(group, max_m)
                group["max_momentum"], group["base_momentum"] = max_m, base_m
        super().__init__(optimizer, last_epoch)

    def _check_schedule(self):
        if not (type(self.total_steps) is int and self.total_steps > 0):
            raise ValueError(f"OneCycleLR: total_steps must be a positive integer, got {self.total_steps!r}")
        if self.anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {self.anneal_strategy!r}")

    def check(self):
        super().check()
        self._check_schedule()
        if self.last_epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: last_epoch {self.last_epoch} is past total_steps {self.total_steps}")
        names = {"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"}
        if not all(len(p) == 5 and set(p[1:]) <= names for p in self.phases) or len(self.phases) not in (2, 3):
            raise ValueError(f"OneCycleLR: phases must be PyTorch's table of 2 or 3 phases, got {self.phases!r:.80}")

    def _phases(self, rise_end, three_phase):
        """[end_step, lr from, lr to, momentum from, momentum to] per phase (PyTorch's table)."""
        last = self.total_steps - 1
        if three_phase:
            return [
                [rise_end - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"],
                [2 * rise_end - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"],
                [last, "initial_lr", "min_lr", "max_momentum", "max_momentum"],
            ]
        return [
            [rise_end - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"],
            [last, "max_lr", "min_lr", "base_momentum", "max_momentum"],
        ]

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _set_momentum(self, group, momentum):
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr_from, lr_to, mom_from, mom_to) in enumerate(self.phases):
                if step <= end_step or i == len(self.phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom_from], group[mom_to], pct))
                    break
                start_step = end_step
        return lrs


# The other schedules subclass LRScheduler, so they are imported once it exists.
from .plateau import ReduceLROnPlateau  # noqa: E402
from .schedules import (  # noqa: E402
    CosineAnnealingWarmRestarts, ExponentialLR, LambdaLR, LinearLR, MultiStepLR, SequentialLR,
)

__all__ = [
    "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR",
    "MultiStepLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "StepLR",
]
