"""Worker threads for ``DataLoader(num_workers=N)``.

Threads, not processes: nothing is pickled, and the work a dataset's ``__getitem__`` does
while decoding (Pillow, NumPy, file reads) releases the GIL, so N threads load N batches at
once. As PyTorch's worker processes, all workers start with the loop (``worker_init_fn``
first) and batch i goes to worker i % N; at most ``num_workers * prefetch_factor`` batches
are in flight, and they are yielded in order: the sequence is the one ``num_workers=0`` gives. Each batch draws its random numbers (random transforms) from its own generator,
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


def _result(future, timeout):
    """The future's result; RuntimeError after ``timeout`` seconds (0: wait as long as it takes)."""
    try:
        return future.result(timeout if timeout > 0 else None)
    except FutureTimeout:
        raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None


class WorkerPool:
    """``num_workers`` threads, worker k one thread of its own, as PyTorch's worker processes:
    each starts at once with ``worker_init_fn(k)``, and batch i goes to worker i % num_workers
    (an error in ``worker_init_fn`` comes out of that worker's first batch)."""

    def __init__(self, num_workers, dataset, worker_init_fn, seed):
        self.num_workers, self.dataset, self.worker_init_fn, self.seed = num_workers, dataset, worker_init_fn, seed
        self._workers = [ThreadPoolExecutor(1, thread_name_prefix=f"chainrule-data-worker-{k}")
                         for k in range(num_workers)]
        self._started = [worker.submit(self._start, k) for k, worker in enumerate(self._workers)]

    def _start(self, worker_id):
        seed = self.seed + worker_id
        _thread.info = WorkerInfo(worker_id, self.num_workers, seed, self.dataset)
        cr_random.set_thread_generator(np.random.default_rng(seed), seed)
        if self.worker_init_fn is not None:
            self.worker_init_fn(worker_id)

    def _submit(self, worker_id, function, *args):
        """Run ``function(*args)`` in worker ``worker_id``, after its start (its error, if any)."""
        def task():
            self._started[worker_id].result()  # done already: the same thread ran it first
            return function(*args)
        return self._workers[worker_id].submit(task)

    def _fetch(self, fetch, epoch_seed, index, indices):
        cr_random.set_thread_generator(np.random.default_rng([epoch_seed, index]), _thread.info.seed)
        return fetch(indices)

    def batches(self, fetch, epoch_seed, batches, ahead, timeout):
        """``(index, fetch(indices))`` for each ``(index, indices)`` of ``batches``, in order,
        with up to ``ahead`` batches in flight; RuntimeError after ``timeout`` s (0: none)."""
        batches, pending = iter(batches), deque()

        def submit():
            for index, indices in itertools.islice(batches, 1):
                worker_id = index % self.num_workers
                pending.append((index, self._submit(worker_id, self._fetch, fetch, epoch_seed, index, indices)))

        try:
            for _ in range(ahead):
                submit()
            while pending:
                index, future = pending.popleft()
                submit()
                yield index, _result(future, timeout)
        finally:  # the loop ended early or failed: drop what was not started yet
            for _, future in pending:
                future.cancel()

    def streams(self, make_batches, epoch_seed, timeout):
        """Batches of ``num_workers`` streams, round-robin as PyTorch yields an IterableDataset's:
        worker k iterates ``make_batches()`` (an iterator of batches), one batch in flight per
        worker, and leaves the rotation when its stream ends."""
        streams, done = [None] * self.num_workers, object()

        def step(worker_id, count):
            if streams[worker_id] is None:
                streams[worker_id] = make_batches()
            cr_random.set_thread_generator(np.random.default_rng([epoch_seed, worker_id, count]), _thread.info.seed)
            return next(streams[worker_id], done)

        active, counts = deque(range(self.num_workers)), [0] * self.num_workers
        futures = {k: self._submit(k, step, k, 0) for k in active}
        try:
            while active:
                worker_id = active.popleft()
                batch = _result(futures.pop(worker_id), timeout)
                if batch is done:
                    continue
                counts[worker_id] += 1
                futures[worker_id] = self._submit(worker_id, step, worker_id, counts[worker_id])
                active.append(worker_id)
                yield batch
        finally:
            for future in futures.values():
                future.cancel()

    def shutdown(self):
        for worker in self._workers:
            worker.shutdown(wait=False, cancel_futures=True)
