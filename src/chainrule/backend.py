"""The array backend: every op creates and transforms arrays through ``xp``.

Keeping NumPy behind one name means a CuPy backend can later be swapped in here
without touching the ops. Helpers that are not plain ``xp`` calls live here too.
"""
import functools

import numpy

xp = numpy

_QUIET = dict(divide="ignore", over="ignore", invalid="ignore")


def quiet(function):
    """``function`` run under ``np.errstate(divide, over, invalid='ignore')``: log(0), x/0 and
    exp(1000) give -inf, inf and NaN without NumPy's RuntimeWarning, silently as in PyTorch.
    NumPy 2's errstate decorator sets a context variable per call (cheaper than entering a
    ``with np.errstate`` block); NumPy 1.x's shares its saved state between nested calls, so
    there a fresh errstate is entered per call."""
    if numpy.lib.NumpyVersion(numpy.__version__) >= "2.0.0":
        return xp.errstate(**_QUIET)(function)

    @functools.wraps(function)
    def quieted(*args, **kwargs):
        with xp.errstate(**_QUIET):
            return function(*args, **kwargs)

    return quieted


def sum_to_shape(grad, shape):
    """Sum ``grad`` over the axes along which an operand of ``shape`` was broadcast.

    The rule of docs/math.md, section 1: a broadcast operand's gradient is the
    upstream gradient summed over the broadcast axes. Called once, by the engine.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    out = grad.sum(axis=axes, keepdims=True) if axes else grad
    return out.reshape(shape)


def zeros_along_innermost(array):
    """Zeros of ``array``'s dtype that broadcast against it along its innermost memory axis.

    ``xp.maximum(x, zeros_along_innermost(x))`` is ``xp.maximum(x, 0)``, but NumPy (2.4) runs
    maximum with a scalar operand in a slower loop than with two streamed operands: 1.5-1.9x
    on ReLU's arrays (``benchmarks/compare.py`` w2-w4)."""
    array = xp.asarray(array)
    shape = [1] * array.ndim
    if array.ndim:
        axis = min(range(array.ndim), key=lambda i: abs(array.strides[i]))
        shape[axis] = array.shape[axis]
    return xp.zeros(shape, array.dtype)


def scalar_like(value, array):
    """``value`` as a NumPy scalar of ``array``'s dtype. A 0-d float32 result divided by it
    stays float32 under NumPy 1.x's legacy promotion too, where a Python number would make
    it float64 (NumPy 2 keeps float32 either way)."""
    return array.dtype.type(value)
