"""Process-wide switches that PyTorch scripts set at their start, with chainrule's honest answers.

    torch.use_deterministic_algorithms(True)   # accepted: every chainrule op is deterministic
    torch.get_default_dtype()                  # float32
"""
import contextlib
import os

import numpy as np

_num_threads = [None]  # what set_num_threads recorded (None: not set)


def get_default_dtype():
    """float32: the dtype of Python floats made into tensors (chainrule has no set_default_dtype)."""
    return np.float32


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Accepted for ``mode`` True or False: chainrule's ops on the CPU are deterministic anyway."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {mode!r}")


def are_deterministic_algorithms_enabled():
    """True: every op gives the same result on every run."""
    return True


def _thread_count(n, op):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{op}: expected a positive integer, got {n!r}")
    return int(n)


def set_num_threads(n):
    """Use ``n`` threads (a positive int), as ``torch.set_num_threads``: NumPy's BLAS takes
    them when threadpoolctl (the cli extra) is installed, otherwise it keeps the count it
    started with (OMP_NUM_THREADS before starting Python limits it); ops that shape their
    products for the thread count (a convolution's weight gradient) read ``get_num_threads``."""
    _num_threads[0] = _thread_count(n, "set_num_threads")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(int(n), user_api="blas")


@contextlib.contextmanager
def num_threads(n):
    """Within the block ``get_num_threads()`` is ``n``; afterwards it is what it was, "not
    set" included. BLAS is left alone (threadpoolctl scopes its count)."""
    before, _num_threads[0] = _num_threads[0], _thread_count(n, "num_threads")
    try:
        yield
    finally:
        _num_threads[0] = before


def get_num_threads():
    """What ``set_num_threads`` set; else OMP_NUM_THREADS when it is a positive int, else the
    CPUs this process may run on (what OpenBLAS starts with too)."""
    if _num_threads[0] is not None:
        return _num_threads[0]
    value = os.environ.get("OMP_NUM_THREADS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
