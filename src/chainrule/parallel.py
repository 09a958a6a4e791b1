"""chainrule's own threads, for the passes over memory that NumPy runs on one core.

NumPy releases the GIL inside ufunc loops and array copies, so threads that each take one
slice of an array run such a pass on several cores at once (BLAS already uses its own threads
for matrix products). Callers split only work where every output element is computed by one
thread from the same inputs in the same order, so results are bit-identical whatever the
thread count. The count is ``chainrule.get_num_threads()``; ``set_num_threads`` changes it.

    parallel_for(lambda start, stop: np.maximum(x[start:stop], 0, out=y[start:stop]), len(x), x.size)
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from . import settings

MIN_CHUNK = 1 << 18  # elements per thread below which the hand-off costs more than it saves (measured: a 2**18-element ReLU is slower on 2 threads)

_local = threading.local()  # .in_worker: this thread is one of the pool's
_pool = {"size": 0, "executor": None}
_pool_lock = threading.Lock()


def _mark_worker():
    _local.in_worker = True


def _executor(workers):
    """The shared pool with ``workers`` threads (made again when the count changes)."""
    with _pool_lock:
        if _pool["size"] != workers:
            if _pool["executor"] is not None:
                _pool["executor"].shutdown(wait=False)
            _pool["executor"] = ThreadPoolExecutor(workers, "chainrule", initializer=_mark_worker)
            _pool["size"] = workers
        return _pool["executor"]


def _forget_pool():
    """A forked child has none of the parent's threads: start a new pool on first use."""
    _pool["size"], _pool["executor"] = 0, None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def ranges(total, work=None):
    """Consecutive ``(start, stop)`` ranges covering ``range(total)``, one per thread that is
    worth starting: at most ``get_num_threads()``, each with at least ``MIN_CHUNK`` of the
    ``work`` elements (default ``total``) that the whole range stands for."""
    work = total if work is None else work
    parts = max(1, min(settings.get_num_threads(), total, work // MIN_CHUNK))
    if getattr(_local, "in_worker", False):
        parts = 1  # a pool thread never waits on the pool it belongs to
    bounds = [total * k // parts for k in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def parallel_for(fn, total, work=None):
    """Call ``fn(start, stop)`` for the ``ranges(total, work)``, the calling thread taking the
    first; returns when all have run, raising the first exception any of them raised."""
    parts = ranges(total, work)
    if len(parts) == 1:
        fn(0, total)
        return
    futures = [_executor(len(parts) - 1).submit(fn, start, stop) for start, stop in parts[1:]]
    try:
        fn(*parts[0])
    finally:
        for future in futures:
            future.exception()  # wait for every thread before anything is raised
    for future in futures:
        future.result()
