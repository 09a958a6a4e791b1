"""Keeping freed memory for the next training step (glibc only).

A training step allocates and frees the same large arrays every time (patch matrices,
activations, gradients). Depending on the heap's history, glibc's malloc may return such
memory to the system at every free and page-fault it in again at the next step: a LeNet-5
epoch of ``chainrule train`` (batch 64, one thread) took 1.1 million minor page faults and
4.4 s, against 37 thousand and 2.8 s with the thresholds below. So chainrule sets them when it
is imported: arrays up to 32 MiB come from the heap (glibc's own ceiling for the threshold it
otherwise adapts), and up to 128 MiB freed at the heap's top stays mapped for the next step.
A process may then keep that much more memory between steps; other C libraries are left
alone. ``CHAINRULE_KEEP_FREED_MEMORY=0`` before the import keeps glibc's defaults.
"""
import ctypes
import os

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20
VARIABLE = "CHAINRULE_KEEP_FREED_MEMORY"
kept = False  # whether this process runs with the thresholds (set by keep_freed_memory)


def wanted():
    """Whether ``CHAINRULE_KEEP_FREED_MEMORY`` (1, the default, or 0) asks for the thresholds."""
    value = os.environ.get(VARIABLE, "1")
    if value not in ("0", "1"):
        raise ValueError(f"{VARIABLE} must be 1 (keep freed memory, the default) or 0, got {value!r}")
    return value == "1"


def keep_freed_memory():
    """Set glibc's mmap and trim thresholds as the module docstring says; True where applied."""
    global kept
    if _glibc():
        mallopt = ctypes.CDLL(None).mallopt
        kept = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return kept


def _glibc():
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError, AttributeError):  # not a GNU system
        return False
