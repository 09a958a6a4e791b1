"""Anomaly detection: stop at the first op whose forward output or backward gradient holds
NaN or Inf, and say which op, where the user's code created it, and with which shapes.

Semantics: the first op whose *output* (forward) or whose *gradient for an input* (backward)
is non-finite raises ``AnomalyError``. Usually that op produced the value from finite inputs
(log of a negative number, sqrt'(0) = inf); if one of its inputs was already non-finite, the
value came from outside the graph (the data, or parameters an optimizer step made NaN) and the
message says so. While active, every op records the first stack frame of user code (neither
chainrule's nor the Python installation's), so backward anomalies report where the op was
created in forward.
Inactive, it costs nothing: the hook lists of ``function.py`` are empty.
"""
import contextlib
import linecache
import os
import site
import sys
import sysconfig
import weakref

import numpy as np

from ..tensor import Tensor
from . import function

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_CORE_DIRS = tuple(_PACKAGE_DIR + d for d in ("autograd" + os.sep, "ops" + os.sep))
_CORE_FILES = tuple(_PACKAGE_DIR + f for f in ("tensor.py", "backend.py", "factories.py"))


def _python_dirs():
    """Where the Python installation keeps code that is not the user's: the standard library,
    site-packages (pytest, click) and the scripts directory (console entry points)."""
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib", "scripts") if k in paths}
    dirs.update(site.getsitepackages() + [site.getusersitepackages()])
    return tuple({os.path.join(os.path.abspath(d), "") for d in dirs})


_PYTHON_DIRS = _python_dirs()

_depth = 0  # nesting of active detect_anomaly contexts
_origins = {}  # id(node) -> (weakref to its output Tensor, Origin); entries die with the output


class AnomalyError(RuntimeError):
    """An op produced NaN or Inf. Attributes: ``op``, ``phase`` ('forward' or 'backward'),
    ``input_shapes``, ``output_shape``, ``origin`` (the user's ``(file, line)``, or None)."""

    def __init__(self, message, op, phase, input_shapes, output_shape, origin):
        super().__init__(message)
        self.op, self.phase = op, phase
        self.input_shapes, self.output_shape = input_shapes, output_shape
        self.origin = origin


class Origin:
    """Where an op was created: the user's frame and, if different, the innermost chainrule
    frame above the core (the layer or loss that called the op)."""

    __slots__ = ("user", "library")

    def __init__(self, user, library):
        self.user, self.library = user, library

    def describe(self):
        parts = []
        if self.user is not None:
            parts.append(f"created at {_describe_frame(self.user)}")
        if self.library is not None:
            parts.append(f"{'via' if parts else 'created in'} {_describe_frame(self.library)}")
        return ", ".join(parts) if parts else "created at an unknown place"


def _describe_frame(location):
    filename, lineno, function_name = location
    line = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno} in {function_name}" + (f": {line}" if line else "")


def is_user_file(filename):
    """Whether code in ``filename`` is the user's: not chainrule's, not the Python
    installation's (frozen modules such as ``<frozen runpy>`` included)."""
    return not (filename.startswith(_PACKAGE_DIR) or filename.startswith(_PYTHON_DIRS)
                or filename.startswith("<frozen "))


def _capture_origin():
    """The first frame of user code, and the innermost chainrule frame outside the core
    engine and ops (the layer or loss that created the op)."""
    user = library = None
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if is_user_file(filename):
            user = (filename, frame.f_lineno, frame.f_code.co_name)
            break
        if (library is None and filename.startswith(_PACKAGE_DIR)
                and not filename.startswith(_CORE_DIRS) and filename not in _CORE_FILES):
            library = (filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return Origin(user, library)


def _forget(node_id):
    return lambda _ref: _origins.pop(node_id, None)


def _origin_of(node):
    entry = _origins.get(id(node))
    if entry is not None:
        output = entry[0]()
        if output is not None and output.grad_fn is node:
            return entry[1]
    return None


def _non_finite(array):
    """A description like 'NaN in 2 and Inf in 1 of 6 values', or None if all finite."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    counts = ((int(np.isnan(array).sum()), "NaN"), (int(np.isinf(array).sum()), "Inf"))
    found = " and ".join(f"{kind} in {n}" for n, kind in counts if n)
    return f"{found} of {array.size} values"


def _input_arrays(node):
    """The op's inputs as arrays (forward hooks see them for unrecorded ops too)."""
    return [np.asarray(a._data if isinstance(a, Tensor) else a) for a in node.inputs]


def _raise(node, phase, what, output_shape, origin, cause):
    shapes = tuple(a.shape for a in _input_arrays(node))
    shape_text = ", ".join(map(str, shapes))
    where = origin.describe() if origin is not None else (
        "origin unknown (its forward ran outside detect_anomaly)")
    message = (f"{phase} of {node.op_name()} produced {what}\n"
               f"  input shapes: {shape_text}; output shape: {output_shape}\n"
               f"  {where}\n  {cause}")
    raise AnomalyError(message, node.op_name(), phase, shapes, output_shape,
                       None if origin is None or origin.user is None else origin.user[:2])


def _check_forward(node, output):
    origin = _capture_origin()
    if output.grad_fn is node:
        _origins[id(node)] = (weakref.ref(output, _forget(id(node))), origin)
    found = _non_finite(output._data)
    if found is None:
        return
    bad = [i for i, a in enumerate(_input_arrays(node)) if _non_finite(a)]
    if bad:
        cause = (f"input {', '.join(map(str, bad))} already held NaN/Inf: the value came from "
                 "outside the graph (the data, or parameters made non-finite by an update)")
    else:
        cause = "its inputs were finite: this op made the non-finite value"
    _raise(node, "forward", f"{found} of its output", output.shape, origin, cause)


def _check_backward(node, grad_output, grad_inputs):
    for index, grad in enumerate(grad_inputs):
        found = _non_finite(grad)
        if found is None:
            continue
        cause = ("the incoming gradient was already non-finite (from the initial grad or a hook)"
                 if _non_finite(grad_output) else
                 "the incoming gradient was finite: this op's backward made the non-finite value")
        _raise(node, "backward", f"{found} of the gradient for input {index}",
               np.shape(grad_output), _origin_of(node), cause)


def is_anomaly_enabled():
    """Whether a ``detect_anomaly`` context is active."""
    return _depth > 0


@contextlib.contextmanager
def detect_anomaly():
    """Context manager (like ``torch.autograd.detect_anomaly``): inside it, the first op whose
    forward output or backward gradient holds NaN or Inf raises ``AnomalyError`` naming the op,
    the phase, the shapes and the user's file and line that created it. Contexts nest."""
    global _depth
    if _depth == 0:
        function.forward_hooks.append(_check_forward)
        function.backward_hooks.append(_check_backward)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            function.forward_hooks.remove(_check_forward)
            function.backward_hooks.remove(_check_backward)


_global = [None]  # the detect_anomaly context that set_detect_anomaly(True) entered, if any


class set_detect_anomaly:
    """``torch.autograd.set_detect_anomaly(mode)``: called alone it switches anomaly detection on
    or off for the process (on: as inside ``detect_anomaly``); used as a context manager it
    puts back the previous setting at the end."""

    def __init__(self, mode, check_nan=True):
        self._previous = _global[0] is not None
        _switch(bool(mode))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _switch(self._previous)
        return False


def _switch(on):
    if on and _global[0] is None:
        _global[0] = detect_anomaly()
        _global[0].__enter__()
    elif not on and _global[0] is not None:
        context, _global[0] = _global[0], None
        context.__exit__(None, None, None)
