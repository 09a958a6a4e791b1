"""Whether ops record the graph: ``no_grad`` and ``enable_grad``, as in PyTorch."""
import functools
import threading


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled():
    """True when new ops are recorded for backward."""
    return _mode.enabled


class _SetGradMode:
    """Context manager and decorator that sets grad recording on or off."""

    _value = True

    def __enter__(self):
        self._previous = _mode.enabled
        _mode.enabled = self._value
        return self

    def __exit__(self, *exc):
        _mode.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):
    """Ops inside record no graph (inference, optimizer updates)."""

    _value = False


class enable_grad(_SetGradMode):
    """Ops inside record the graph, even within ``no_grad``."""

    _value = True
