"""Worker threads for ``DataLoader(num_workers=N)``.

Threads, not processes: nothing is pickled, and the work a dataset's ``__getitem__`` does
while decoding (Pillow, NumPy, file reads) releases the GIL, so N threads load N batches at
once. Batches are handed out in order, at most ``num_workers * prefetch_factor`` ahead of
the one the loop is on, and yielded in order: the sequence is the one ``num_workers=0``
gives. Each batch draws its random numbers (random transforms) from its own generator,
seeded by the epoch's seed and the batch index, so they do not depend on which thread ran
it, and workers never draw from the generator the training loop uses.
"""
import itertools
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import numpy as np

from .. import random as cr_random

_thread = threading.local()  # .info: the WorkerInfo of a worker thread


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` gives in a worker: its ``id`` (0 to ``num_workers - 1``),
    ``num_workers``, its ``seed`` and the ``dataset`` (the loader's own: threads share it)."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """In a DataLoader worker: its ``WorkerInfo``, as ``torch.utils.data.get_worker_info``; None elsewhere."""
    return getattr(_thread, "info", None)


class WorkerPool:
    """``num_workers`` threads that run ``fetch(indices)``; ``worker_init_fn(worker_id)``
    runs in each thread before its first batch (an error there comes out of that batch)."""

    def __init__(self, num_workers, dataset, worker_init_fn, seed):
        self.num_workers, self.dataset, self.worker_init_fn, self.seed = num_workers, dataset, worker_init_fn, seed
        self._ids, self._lock = itertools.count(), threading.Lock()
        self._executor = ThreadPoolExecutor(num_workers, thread_name_prefix="chainrule-data-worker")

    def _start_thread(self):
        with self._lock:
            worker_id = next(self._ids)
        _thread.info = WorkerInfo(worker_id, self.num_workers, self.seed + worker_id, self.dataset)
        cr_random.set_thread_generator(np.random.default_rng(self.seed + worker_id))
        if self.worker_init_fn is not None:
            self.worker_init_fn(worker_id)

    def _run(self, fetch, epoch_seed, index, indices):
        if getattr(_thread, "info", None) is None:
            self._start_thread()
        cr_random.set_thread_generator(np.random.default_rng([epoch_seed, index]))
        return fetch(indices)

    def batches(self, fetch, epoch_seed, batches, ahead, timeout):
        """``(index, fetch(indices))`` for each ``(index, indices)`` of ``batches``, in order,
        with up to ``ahead`` batches in flight; RuntimeError after ``timeout`` s (0: none)."""
        batches, pending = iter(batches), deque()

        def submit():
            for index, indices in itertools.islice(batches, 1):
                pending.append((index, self._executor.submit(self._run, fetch, epoch_seed, index, indices)))

        try:
            for _ in range(ahead):
                submit()
            while pending:
                index, future = pending.popleft()
                submit()
                try:
                    result = future.result(timeout if timeout > 0 else None)
                except FutureTimeout:
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
                yield index, result
        finally:  # the loop ended early or failed: drop what was not started yet
            for _, future in pending:
                future.cancel()

    def shutdown(self):
        self._executor.shutdown(wait=False, cancel_futures=True)
