"""Process-wide switches that PyTorch scripts set at their start, with chainrule's honest answers.

    torch.use_deterministic_algorithms(True)   # accepted: every chainrule op is deterministic
    torch.get_default_dtype()                  # float32
"""
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


def set_num_threads(n):
    """Record ``n`` (a positive int), returned by ``get_num_threads``. chainrule computes through
    NumPy, whose BLAS picks its threads when it starts: set OMP_NUM_THREADS before starting
    Python to limit them."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    _num_threads[0] = int(n)


def get_num_threads():
    """What ``set_num_threads`` recorded, else 1 (chainrule's own code runs in one thread)."""
    return _num_threads[0] or 1
