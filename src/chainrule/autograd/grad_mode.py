"""Whether ops record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``, as in PyTorch."""
import functools
import threading


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled():
    """True when new ops are recorded for backward."""
    return _mode.enabled


class _SetGradMode:
    """Context manager and decorator (``@no_grad()`` or bare ``@no_grad``) setting grad recording."""

    _value = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __enter__(self):
        self._previous = _mode.enabled
        _mode.enabled = self._value
        return self

    def __exit__(self, *exc):
        _mode.enabled = self._previous
        return False

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}: expected a function to decorate, got {fn!r}")

        value = self._value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(value):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):
    """Ops inside record no graph (inference, optimizer updates)."""

    _value = False


class enable_grad(_SetGradMode):
    """Ops inside record the graph, even within ``no_grad``."""

    _value = True


class inference_mode(_SetGradMode):
    """``inference_mode(mode=True)``: no_grad when ``mode`` (chainrule has no separate
    inference tensors, so this is all it does); ``inference_mode(False)`` records."""

    _value = False

    def __new__(cls, mode=True):
        if callable(mode):  # @inference_mode without parentheses
            return super().__new__(cls, mode)
        self = super().__new__(cls)
        self._value = not mode
        return self

    def __init__(self, mode=True):
        pass


class set_grad_enabled:
    """``set_grad_enabled(mode)``: record the graph if ``mode`` is true.

    As in PyTorch it sets the mode at once (usable as a plain call) and, used with
    ``with``, restores the previous mode on exit.
    """

    def __init__(self, mode):
        self._previous = _mode.enabled
        _mode.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _mode.enabled = self._previous
        return False
