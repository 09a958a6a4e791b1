"""More of PyTorch's schedules: ``MultiStepLR``, ``ExponentialLR``, ``LinearLR`` (chainable:
each step multiplies the group's current lr), ``LambdaLR``, ``CosineAnnealingWarmRestarts``
(closed forms) and ``SequentialLR`` (one schedule after another). Reached, as in PyTorch,
through ``chainrule.optim.lr_scheduler``."""
import bisect
import math

from .lr_scheduler import LRScheduler, require_int


def _current(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def _require_number(name, field, value, low=-math.inf, high=math.inf, low_open=False):
    inside = isinstance(value, (int, float)) and not isinstance(value, bool) and (
        low < value <= high if low_open else low <= value <= high)
    if not inside:
        bound = f"in {'(' if low_open else '['}{low}, {high}]"
        raise ValueError(f"{name}: {field} must be a number {bound}, got {value!r}")


class MultiStepLR(LRScheduler):
    """lr <- lr * gamma at each milestone (gamma^k where a milestone is listed k times)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = sorted(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def check(self):
        super().check()
        for milestone in self.milestones:
            require_int("MultiStepLR", "each milestone", milestone, 0)
        if self.milestones != sorted(self.milestones):
            raise ValueError(f"MultiStepLR: milestones must be sorted, got {self.milestones!r:.80}")
        _require_number("MultiStepLR", "gamma", self.gamma, 0.0)

    def get_lr(self):
        count = self.milestones.count(self.last_epoch)
        return [lr * self.gamma ** count if count else lr for lr in _current(self.optimizer)]

    def closed_form_lr(self):
        passed = bisect.bisect_right(self.milestones, self.last_epoch)
        return [base_lr * self.gamma ** passed for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr <- lr * gamma every step (base_lr * gamma^epoch when nothing else sets it)."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def check(self):
        super().check()
        _require_number("ExponentialLR", "gamma", self.gamma, 0.0)

    def initial_lr(self):
        return _current(self.optimizer)

    def get_lr(self):
        return [lr * self.gamma for lr in _current(self.optimizer)]

    def closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """The factor on base_lr moves linearly from start_factor to end_factor over
    ``total_iters`` steps, then stays (a warm-up when start_factor < end_factor)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def check(self):
        super().check()
        _require_number("LinearLR", "start_factor", self.start_factor, 0.0, 1.0, low_open=True)
        _require_number("LinearLR", "end_factor", self.end_factor, 0.0, 1.0)
        require_int("LinearLR", "total_iters", self.total_iters, 1)

    def initial_lr(self):
        return self.get_lr() if self.last_epoch == 0 else _current(self.optimizer)

    def get_lr(self):
        lrs = _current(self.optimizer)
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self.last_epoch > self.total_iters:
            return lrs
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * factor for lr in lrs]

    def closed_form_lr(self):
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base_lr * factor for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); one function, or one per parameter group. As in
    PyTorch, the functions are not part of ``state_dict`` (code is not saved): a restored
    scheduler keeps the ones it was built with."""

    unsaved = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = optimizer.param_groups
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(groups):
                raise ValueError(f"LambdaLR: expected {len(groups)} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(groups)
        for function in self.lr_lambdas:
            if not callable(function):
                raise TypeError(f"LambdaLR: lr_lambda should be a function, got {type(function).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * function(self.last_epoch) for function, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """The fields, with ``lr_lambdas`` as one None per function (PyTorch's layout)."""
        return {**self._fields(), "lr_lambdas": [None] * len(self.lr_lambdas)}

    def load_state_dict(self, state_dict):
        """As ``LRScheduler.load_state_dict``; ``lr_lambdas``, if present, is ignored."""
        if isinstance(state_dict, dict):
            state_dict = {k: v for k, v in state_dict.items() if k != "lr_lambdas"}
        super().load_state_dict(state_dict)


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov and Hutter, 2017): lr = eta_min + (base_lr - eta_min)(1 + cos(pi T_cur / T_i)) / 2,
    restarting when T_cur reaches T_i; each cycle is T_mult times the last (T_0 first).
    ``step(epoch)`` takes a fractional epoch (``epoch + i / iters`` per batch), as in PyTorch."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def check(self):
        super().check()
        name = "CosineAnnealingWarmRestarts"
        require_int(name, "T_0", self.T_0, 1)
        require_int(name, "T_mult", self.T_mult, 1)
        _require_number(name, "eta_min", self.eta_min)
        _require_number(name, "T_i", self.T_i, 0.0, low_open=True)
        _require_number(name, "T_cur", self.T_cur, -1.0)

    def _initial_step(self):
        self.step()

    def get_lr(self):
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or go to ``epoch`` (a number >= 0, fractions allowed)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            _require_number("CosineAnnealingWarmRestarts", "epoch", epoch, 0.0)
            if epoch >= self.T_0 and self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            elif epoch >= self.T_0:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self.get_lr())


class SequentialLR(LRScheduler):
    """``schedulers[i]`` runs from ``milestones[i - 1]`` to ``milestones[i]``; each starts
    from its base lrs at its milestone (e.g. LinearLR warm-up, then CosineAnnealingLR)."""

    unsaved = ("optimizer", "_schedulers")

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler, got none")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler) or not hasattr(scheduler, "base_lrs"):
                raise TypeError(f"SequentialLR: schedulers[{i}] is a {type(scheduler).__name__}, "
                                "not a schedule stepped without arguments (ReduceLROnPlateau needs a metric)")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] ({type(scheduler).__name__}) belongs to "
                                 "another optimizer; all must share the one given")
        self._schedulers = schedulers
        self._milestones = list(milestones)
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        self.check()
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:  # undo their initial steps: the first restarts below
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect.bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def check(self):
        require_int("SequentialLR", "last_epoch", self.last_epoch, 0)
        for milestone in self._milestones:
            require_int("SequentialLR", "each milestone", milestone, 0)
        if len(self._milestones) != len(self._schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(self._schedulers) - 1} milestones (one fewer "
                             f"than schedulers), got {len(self._milestones)}")

    def step(self):
        """Advance one epoch: the current scheduler steps, or the next one starts at its milestone."""
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        """Its fields and ``_schedulers``: each scheduler's own state dict (PyTorch's layout)."""
        return {**self._fields(), "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict):
        """Restore its fields and each scheduler's (each checked as its own
        ``load_state_dict`` checks); nothing changes unless all of them fit."""
        inner = state_dict.get("_schedulers") if isinstance(state_dict, dict) else None
        if not (isinstance(inner, list) and len(inner) == len(self._schedulers)):
            raise ValueError(f"SequentialLR.load_state_dict: _schedulers must be a list of "
                             f"{len(self._schedulers)} state dicts, got {inner!r:.60}")
        before = [dict(s.__dict__) for s in (self, *self._schedulers)]
        try:
            super().load_state_dict({k: v for k, v in state_dict.items() if k != "_schedulers"})
            for scheduler, saved in zip(self._schedulers, inner):
                scheduler.load_state_dict(saved)
        except ValueError:
            for scheduler, fields in zip((self, *self._schedulers), before):
                scheduler.__dict__ = fields
            raise
