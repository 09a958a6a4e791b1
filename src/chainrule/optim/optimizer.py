"""``Optimizer``: parameter groups, per-parameter state, zero_grad and state dicts.

State-dict layout (PyTorch's, with NumPy arrays instead of tensors)::

    {"state": {0: {"step": 12, "exp_avg": ndarray, ...}, 1: {...}},
     "param_groups": [{"lr": 0.001, "betas": [0.9, 0.999], ..., "params": [0, 1]}]}

Parameters are numbered in group order. Per-parameter arrays have the parameter's shape
and dtype; everything else is a plain number, so ``chainrule.io.save_state`` can store a
state dict (arrays as safetensors tensors, the rest as JSON).
"""
import copy
import math
import threading

import numpy as np

from .. import autograd, heap
from ..inplace import bump_version
from ..nn.module import zero_grads
from ..tensor import Tensor


BLOCK = 1 << 15  # elements: a block of each of 4 float32 operands, 512 KiB together, fits in L2
# elements: updates this small allocate their temporaries. Where glibc keeps freed memory
# (chainrule.heap) a weight-sized temporary is reused memory: w1's step 1.7 us faster than
# through the scratch array. Otherwise glibc may trim the heap and page-fault such a
# temporary in again at every step (59 faults a w1 step), so only malloc's small bins.
UNBLOCKED_UP_TO = 1 << 18 if heap.kept else 1 << 12
_scratch = threading.local()


def scratch(dtype):
    """This thread's reusable scratch array of ``BLOCK`` elements of ``dtype``. Updates take
    their temporaries from it, so a step allocates nothing: a fresh temporary the size of a
    784x30 weight per step made glibc grow and trim its heap every step, and the page faults
    cost a small MLP's step almost as much as the step itself."""
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buffer = buffers.get(dtype)
    if buffer is None or buffer.size < BLOCK:
        buffer = buffers[dtype] = np.empty(BLOCK, dtype)
    return buffer


def blocks(*arrays):
    """Equal-shaped arrays cut into matching flat pieces of at most ``BLOCK`` elements (views),
    each tuple led by a piece of this thread's ``scratch`` for the update's temporaries;
    ``None`` when the arrays are small (``UNBLOCKED_UP_TO``) or not all C-contiguous.

    An update that makes several passes (scale the buffer, add the gradient, step the
    weights) makes them all over one piece while it is still in cache, instead of streaming
    every whole array through memory once per pass.
    """
    first = arrays[0]
    size = first.size
    if size <= UNBLOCKED_UP_TO:
        return None
    for a in arrays:
        if not a.flags.c_contiguous:
            return None
    buffer = scratch(first.dtype)
    if size <= BLOCK:  # one piece: the arrays themselves
        return ((buffer[:size].reshape(first.shape),) + arrays,)
    flat = [a.reshape(-1) for a in arrays]
    return (
        (buffer[:min(BLOCK, size - start)],) + tuple(f[start:start + BLOCK] for f in flat)
        for start in range(0, size, BLOCK)
    )


def check_hyperparameter(name, value, low=0.0, high=math.inf, high_open=False):
    """ValueError naming the hyperparameter when it is outside [low, high] (or [low, high))."""
    inside = low <= value < high if high_open else low <= value <= high
    if not inside:
        raise ValueError(f"Invalid {name} value: {value}")


def check_adam_hyperparameters(lr, betas, eps, weight_decay):
    """ValueError (PyTorch's message) for an lr, betas pair, eps or weight_decay out of range."""
    check_hyperparameter("learning rate", lr)
    check_hyperparameter("epsilon", eps)
    check_hyperparameter("beta parameter at index 0", betas[0], high=1.0, high_open=True)
    check_hyperparameter("beta parameter at index 1", betas[1], high=1.0, high_open=True)
    check_hyperparameter("weight_decay", weight_decay)


def implementation_options(name, foreach=None, maximize=False, capturable=False, differentiable=False, fused=None):
    """PyTorch's implementation switches, as group settings: ``maximize`` is honoured (``step``
    ascends), ``foreach`` (which of PyTorch's kernels runs) is kept and changes nothing here;
    ``capturable``, ``differentiable`` and ``fused`` (CUDA graphs, differentiating through the
    step, fused GPU kernels) are refused when set, since chainrule has none of them."""
    for option, value in (("capturable", capturable), ("differentiable", differentiable), ("fused", fused)):
        if value:
            raise ValueError(f"{name}: {option}=True is not supported: chainrule runs one NumPy "
                             f"update on the CPU; leave {option} unset")
    return dict(foreach=foreach, maximize=maximize)


def weight_decayed(p, grad, lr, weight_decay, decoupled=False):
    """The gradient with an L2 penalty (``grad + weight_decay * p``), or, ``decoupled``, the
    gradient unchanged after ``p <- p (1 - lr * weight_decay)`` (AdamW's decay)."""
    if not weight_decay:
        return grad
    if decoupled:
        p *= 1 - lr * weight_decay
        return grad
    return grad + weight_decay * p


def _is_finite_number(value):
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)) and math.isfinite(value))


def kind_mismatch(value, like):
    """What ``value``, read from a state dict, should have been to stand where ``like`` stands,
    or None when it fits: a finite number for a number, a boolean for a boolean, a string for a
    string, an equally long list or tuple of such for a sequence; None stands for anything
    scalar (a field the current object leaves unset)."""
    if isinstance(like, (bool, np.bool_)):
        return None if isinstance(value, (bool, np.bool_)) else "a boolean"
    if isinstance(like, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(like):
            return f"a list of {len(like)}"
        return next((f"a list whose item {i} is {m}" for i, (v, item) in enumerate(zip(value, like))
                     if (m := kind_mismatch(v, item))), None)
    if isinstance(like, str):
        return None if isinstance(value, str) else "a string"
    if like is None:
        fits = value is None or isinstance(value, (bool, np.bool_)) or _is_finite_number(value)
        return None if fits else "a number, a boolean or None"
    return None if _is_finite_number(value) else "a finite number"


def _group_problems(index, saved, group):
    problems = []
    for key, value in saved.items():
        if key != "params":
            expected = kind_mismatch(value, group.get(key))
            if expected is None and key == "lr" and value < 0:
                expected = "a non-negative number"
            if expected:
                problems.append(f"param_groups[{index}][{key!r}] must be {expected}, got {value!r:.60}")
    return problems


class Optimizer:
    """Base class: subclasses pass their defaults and implement ``step``.

    ``params`` is an iterable of Parameters, or of dicts ``{"params": [...], "lr": ...}``
    (parameter groups with their own hyperparameters).
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Parameters or of dicts, "
                "got a single Tensor; pass model.parameters() or [tensor]"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters with its own hyperparameters (defaults fill the rest)."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor) or not param.is_leaf or not param.requires_grad:
                raise ValueError(
                    f"{type(self).__name__} can only optimize leaf Tensors that require grad, "
                    f"got {type(param).__name__}"
                )
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if existing & {id(p) for p in params} or len({id(p) for p in params}) != len(params):
            raise ValueError("some parameters appear in more than one parameter group")
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        full["params"] = params
        self.param_groups.append(full)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter: to None (default) or zeros in place."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        state, update = self.state, self.update
        for group in self.param_groups:
            maximize = group.get("maximize")
            for param in group["params"]:
                grad = param._grad
                if grad is not None:
                    param_state = state.get(param)  # setdefault would build a {} per call
                    if param_state is None:
                        param_state = state[param] = {}
                    update(param, -grad._data if maximize else grad._data, param_state, group)
                    bump_version(param)  # an in-place change: a graph that saved param sees it
        return loss

    def update(self, param, grad, state, group):
        """Update ``param._data`` in place from ``grad`` (an array of its dtype and shape)."""
        raise NotImplementedError

    # ---- state dicts ---------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [...]}``; arrays are shared, not copied."""
        index, groups = {}, []
        for group in self.param_groups:
            packed = copy.deepcopy({k: v for k, v in group.items() if k != "params"})
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: dict(s) for g in self.param_groups for p in g["params"]
            if (s := self.state.get(p))
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and state saved by ``state_dict`` (keys may be ints or
        strings, as after a JSON round trip). Arrays are copied in the parameter's dtype.
        Every value is checked against what it replaces (a number stays a finite number...),
        and nothing changes unless all of it fits."""
        name = type(self).__name__
        if not (isinstance(state_dict, dict) and isinstance(state_dict.get("state"), dict)
                and isinstance(state_dict.get("param_groups"), list)
                and all(isinstance(g, dict) and isinstance(g.get("params"), list) for g in state_dict["param_groups"])
                and all(isinstance(s, dict) for s in state_dict["state"].values())):
            raise ValueError(f"{name}.load_state_dict: expected {{'state': {{index: {{...}}}}, "
                             f"'param_groups': [{{..., 'params': [...]}}]}}, got {state_dict!r:.80}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                f"groups, the optimizer {len(self.param_groups)}"
            )
        params = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                    f"parameters in the state dict, {len(group['params'])} in the optimizer"
                )
            params.update(zip((int(k) for k in saved["params"]), group["params"]))
        problems = [p for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups))
                    for p in _group_problems(i, saved, group)]
        new_state = {}
        for key, saved in state_dict["state"].items():
            param = params.get(int(key))
            if param is None:
                problems.append(f"state for parameter {key} that no group holds")
                continue
            new_state[param] = {}
            for field, value in saved.items():
                array = np.asarray(value._data if isinstance(value, Tensor) else value)
                if array.dtype.kind not in "biuf" or not np.isfinite(array).all():
                    problems.append(f"state {key}.{field} must hold finite numbers, got {value!r:.60}")
                    continue
                if array.ndim == 0:  # a step count (PyTorch keeps it in a 0-d tensor)
                    value = array.item()
                    if field == "step" and not (value >= 0 and float(value).is_integer()):
                        problems.append(f"state {key}.step must be a non-negative whole number, got {value!r}")
                else:
                    value = np.array(array, dtype=param.dtype)
                    if value.shape != param.shape:
                        problems.append(
                            f"state {key}.{field} has shape {value.shape}, the parameter {param.shape}"
                        )
                new_state[param][field] = value
        if problems:
            raise ValueError(f"{name}.load_state_dict: " + "; ".join(problems))
        for saved, group in zip(saved_groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = new_state

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines) + "\n)"
