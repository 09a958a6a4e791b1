"""Walk a recorded graph: its values in forward order, their names, short number formats.

Shared by ``trace`` and ``draw``. A *value* is a Tensor of the graph (a leaf, a
constant tensor or an op's output); a *step* is one recorded op and its output.
"""
import re
import unicodedata
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


def array_of(tensor):
    """A tensor's values: its NumPy array (shared, not copied)."""
    return tensor._data


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


def formula_of(node, input_names):
    """The forward formula of a graph node over the given input names."""
    from .rules import forward_formula

    first = node.inputs[0] if node.inputs else None
    ndim = len(first.shape) if isinstance(first, Tensor) else None
    return forward_formula(node.op_name(), input_names, node.params, ndim)


SHORT_FORMULA = 12  # an intermediate result whose formula is this short is called by it


def given_names(names, where):
    """``names`` (None, a Module, or a mapping name -> Tensor) as {id(tensor): name}: a
    Module's parameters and buffers by their state-dict names (``fc1.weight``)."""
    if names is None:
        return {}
    pairs = None
    if hasattr(names, "named_parameters") and hasattr(names, "named_buffers"):
        pairs = [(k, t) for k, t in list(names.named_parameters()) + list(names.named_buffers())
                 if isinstance(t, Tensor)]
    elif hasattr(names, "items"):
        pairs = list(names.items())
    if pairs is None or not all(isinstance(k, str) and isinstance(t, Tensor) for k, t in pairs):
        raise TypeError(f"{where}: names must be a Module or a mapping from names to Tensors, "
                        f"got {type(names).__name__}")
    return {id(t): k for k, t in pairs}


def value_names(values, output, given=None):
    """A unique name per value (keyed by ``id``): ``given`` (id -> name, e.g. a model's
    parameter names), else ``tensor.name`` when set, else derived.

    Derived names: ``f`` for the output; with ``given`` names (a model) the first constant
    input is ``input`` and the first one used after the last step that uses a given value (after
    the model, as in ``loss(model(input), target)``) is ``target``; otherwise ``x1, x2, ...`` for leaves that
    require grad and ``c1, ...`` for constant tensors (such as an RNN's zero initial state). An intermediate result is called by its
    formula where that is short (``x + y``, ``sigmoid(w)``), else ``t1, t2, ...``.
    """

    given = given or {}
    used = {t.name for t in values if t.name} | set(given.values())
    counters = {"x": 0, "c": 0, "t": 0}
    model_inputs = [n for n in ("input", "target") if n not in used] if given else []
    after_model = max((i for i, t in enumerate(values)  # after the last step that uses a given value
                       if t.grad_fn is not None and any(id(x) in given for x in t.grad_fn.inputs)), default=-1)
    names = {}

    def fresh(prefix):
        while True:
            counters[prefix] += 1
            name = f"{prefix}{counters[prefix]}"
            if name not in used:
                used.add(name)
                return name

    for i, t in enumerate(values):
        name = given.get(id(t)) or t.name
        if name:
            name = name if name not in names.values() else _suffixed(name, used)
        elif t is output and "f" not in used:
            name = "f"
            used.add(name)
        elif t.grad_fn is not None:
            node = t.grad_fn
            inputs = [names[id(i)] if isinstance(i, Tensor) else constant_text(i) for i in node.inputs]
            formula = formula_of(node, inputs)
            if len(formula) <= SHORT_FORMULA and formula not in used:
                name = formula
                used.add(name)
            else:
                name = fresh("t")
        elif (model_inputs[:1] == ["input"] or model_inputs and i > after_model) and not t.requires_grad:
            name = model_inputs.pop(0)  # a parameter not in given stays x1, x2, ...
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


DIGITS = 4  # significant digits of every number shown, unless digits= says otherwise


def check_digits(digits, where):
    """``digits`` as given: a positive int, or None for every digit (clear error otherwise)."""
    if digits is None or (isinstance(digits, int) and not isinstance(digits, bool) and 1 <= digits <= 17):
        return digits
    raise ValueError(f"{where}: digits must be an integer from 1 to 17 or None (every digit), got {digits!r}")


def format_number(value, digits=None):
    """A scalar as text: integers without a point; floats rounded to ``digits`` significant
    digits (None: the shortest text that round-trips in the value's own dtype, so float32
    values are not shown with float64 noise). Positional from 1e-4 to 1e6, else scientific."""
    v = np.asarray(value).reshape(())[()]  # a NumPy scalar of its own dtype
    if v.dtype.kind == "b":
        return str(bool(v))
    if v.dtype.kind in "iu":
        return str(int(v))
    x = float(v)
    if not np.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < (1e15 if digits is None else 10 ** digits):
        return str(int(x))
    unique = digits is None
    if 1e-4 <= abs(x) < (1e15 if digits is None else 1e6):
        return np.format_float_positional(v, unique=unique, precision=digits, fractional=False, trim="-")
    text = np.format_float_scientific(v, unique=unique, precision=None if unique else digits - 1, trim="-")
    return text.replace(".e", "e")


ELEMENTS_SHOWN = 6  # arrays up to this size are shown element by element


def shape_text(a):
    return "x".join(str(n) for n in np.shape(a))


def array_statistics(a, digits=DIGITS):
    """What a reader needs of an array that is too big to list: its range, its mean
    absolute value (a gradient whose border elements are 0 is not a zero gradient) and its
    share of exact zeros: the parts of ``min -0.3 max 0.4 mean|.| 0.05 zeros 81%``."""
    a = np.asarray(a, dtype=np.float64)
    digits = digits or DIGITS
    finite = a[np.isfinite(a)]
    parts = []
    if finite.size:
        parts = [f"min {format_number(finite.min(), digits)}", f"max {format_number(finite.max(), digits)}",
                 f"mean|.| {format_number(np.abs(finite).mean(), digits)}"]
    zeros = np.count_nonzero(a == 0)
    if zeros:
        share = 100 * zeros / a.size  # never rounded to 0% or 100% unless it is
        text = f"{share:.0f}" if 1 <= share <= 99 or zeros == a.size else f"{min(max(share, 0.1), 99.9):.1f}"
        parts.append(f"zeros {text}%")
    if finite.size < a.size:
        parts.append(f"non-finite {a.size - finite.size}")
    return parts


def format_value(value, digits=DIGITS):
    """Scalars rounded to ``digits``; small arrays element by element, larger ones as
    their shape and statistics: ``(784) min 0 max 1 mean|.| 0.1 zeros 81%``."""
    a = np.asarray(value)
    if a.size == 1:
        return format_number(a, digits)
    if a.size <= ELEMENTS_SHOWN:
        items = ", ".join(format_number(x, digits or DIGITS) for x in a.reshape(-1))
        return f"({shape_text(a)}) [{items}]"
    return f"({shape_text(a)}) {' '.join(array_statistics(a, digits))}"


def display_width(text):
    """Columns ``text`` takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def padded(text, width):
    """``text`` padded with spaces to ``width`` display columns."""
    return text + " " * max(width - display_width(text), 0)


def term(name):
    """A name as it reads inside a formula: parenthesised unless it is one word, a number
    or one call (``sigmoid(x)``)."""
    simple = (name.replace(".", "_").isidentifier() or re.fullmatch(r"\w+(\.\w+)*", name) is not None
              or _is_number(name) or _is_call(name) or (name.startswith("[") and name.endswith("]")))
    return name if simple else f"({name})"


def dterm(name):
    """The gradient of a value by name: ``dx``, ``dfc1.weight``, ``d(x + y)``."""
    return "d" + name if name.replace(".", "_").isidentifier() else f"d({name})"


def _is_call(text):
    head, paren, _ = text.partition("(")
    if not (paren and head.isidentifier() and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text[len(head):]):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(text) - len(head) - 1:
            return False  # the first parenthesis closes before the end: f(a) + g(b)
    return True


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def constant_text(value, digits=DIGITS):
    """A non-Tensor input of an op (a Python number or an array) as it reads in a formula:
    a number, a short list, or ``array(30x784)``."""
    a = np.asarray(value)
    if a.size == 1:
        return format_number(a, digits)
    if a.size <= ELEMENTS_SHOWN:
        return "[" + ", ".join(format_number(x, digits or DIGITS) for x in a.reshape(-1)) + "]"
    return f"array({shape_text(a)})"
