"""Walk a recorded graph: its values in forward order, their names, short number formats.

Shared by ``trace`` and ``draw``. A *value* is a Tensor of the graph (a leaf, a
constant tensor or an op's output); a *step* is one recorded op and its output.
"""
from contextlib import contextmanager

import numpy as np

from ..tensor import Tensor


@contextmanager
def installed(hooks, hook):
    """``hook`` in the list ``hooks`` (an engine hook list) for the duration of the block."""
    hooks.append(hook)
    try:
        yield
    finally:
        hooks.remove(hook)


def forward_values(output):
    """Every Tensor that ``output`` depends on, each after all of its inputs.

    Depth-first post-order over ``grad_fn.inputs`` (no recursion): for a staged
    program this is the order in which the steps were written. Leaves come just
    before the first step that uses them.
    """
    steps = [t for t in _post_order(output) if t.grad_fn is not None]
    if not steps:
        return [output]
    values, listed = [], set()
    for t in steps:
        for inp in t.grad_fn.inputs:
            if isinstance(inp, Tensor) and inp.grad_fn is None and id(inp) not in listed:
                listed.add(id(inp))
                values.append(inp)
        values.append(t)
    return values


def _post_order(output):
    values, seen = [], set()
    stack = [(output, False)]
    while stack:
        tensor, finished = stack.pop()
        if finished:
            values.append(tensor)
            continue
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        if tensor.grad_fn is not None:
            for inp in reversed(tensor.grad_fn.inputs):
                if isinstance(inp, Tensor) and id(inp) not in seen:
                    stack.append((inp, False))
    return values


def value_names(values, output):
    """A unique name per value (keyed by ``id``): ``tensor.name`` when set, else derived.

    Derived names: ``f`` for the output, ``x1, x2, ...`` for leaves that require grad,
    ``c1, ...`` for constant tensors and ``t1, t2, ...`` for intermediate results.
    """
    used = {t.name for t in values if t.name}
    counters = {"x": 0, "c": 0, "t": 0}
    names = {}

    def fresh(prefix):
        while True:
            counters[prefix] += 1
            name = f"{prefix}{counters[prefix]}"
            if name not in used:
                used.add(name)
                return name

    for t in values:
        if t.name:
            name = t.name if t.name not in names.values() else _suffixed(t.name, used)
        elif t is output and "f" not in used:
            name = "f"
            used.add(name)
        elif t.grad_fn is not None:
            name = fresh("t")
        else:
            name = fresh("x" if t.requires_grad else "c")
        names[id(t)] = name
    return names


def _suffixed(name, used):
    k = 2
    while f"{name}_{k}" in used:
        k += 1
    used.add(f"{name}_{k}")
    return f"{name}_{k}"


def format_number(value):
    """A scalar in full: integers without a point, floats as the shortest round-trip text
    of their own dtype (so float32 values are not shown with float64 noise)."""
    v = np.asarray(value).reshape(())[()]  # a NumPy scalar of its own dtype
    if v.dtype.kind == "b":
        return str(bool(v))
    if v.dtype.kind in "iu":
        return str(int(v))
    x = float(v)
    if not np.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if 1e-4 <= abs(x) < 1e15:
        return np.format_float_positional(v, unique=True, trim="-")
    return np.format_float_scientific(v, unique=True, trim="-")


def format_value(value, preview=4):
    """Scalars in full; arrays as their shape and the first few elements (4 digits)."""
    a = np.asarray(value)
    if a.size == 1:
        return format_number(a)
    shape = "x".join(str(n) for n in a.shape)
    head = ", ".join(f"{float(x):.4g}" for x in a.reshape(-1)[:preview])
    more = ", ..." if a.size > preview else ""
    return f"({shape}) [{head}{more}]"


def term(name):
    """A name as it reads inside a formula: parenthesised unless it is one word."""
    return name if name.replace(".", "_").isidentifier() or _is_number(name) else f"({name})"


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def constant_text(value):
    """A non-Tensor input of an op (a Python number or an array) as text."""
    return format_value(value._data if isinstance(value, Tensor) else value)
