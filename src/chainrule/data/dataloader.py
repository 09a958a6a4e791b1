"""``DataLoader``: batches of a dataset, shuffled per epoch, with a resumable position.

Position and resume (what ``state_dict`` holds, all JSON-serialisable):
  - ``epoch_rng_state``: the shuffling generator's state *before* it drew this epoch's
    permutation (None when not shuffling or between epochs). The permutation is regenerated
    from it on a private copy of the generator, so it is never stored;
  - ``next_batch``: the index of the next batch this epoch will yield;
  - ``num_samples``, ``batch_size``, ``shuffle``, ``drop_last``: checked on load.
After ``load_state_dict(state)``, the next ``iter(loader)`` continues that epoch from
``next_batch`` with the same permutation, then later epochs draw fresh permutations from the
live generator. ``load_state_dict`` never touches the live generator: to continue a run
exactly, also restore it (``chainrule.random.set_rng_state`` for the default one), as
``chainrule.train`` does.
"""
import contextlib
import hashlib
import itertools
import json

import numpy as np

from .. import random as cr_random
from .collate import default_collate
from .dataset import IterableDataset, _tensor, batches_itself, check_generator, get_batch
from .sampler import RandomSampler, SequentialSampler
from .workers import WorkerPool


def _jsonable(value):
    """A generator state as plain JSON types (MT19937 keeps an array in its state)."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def _permutation_from_state(state, n):
    """``Generator.permutation(n)`` as a generator in ``state`` would draw it."""
    try:
        generator = cr_random.generator_from_state(state)
    except ValueError as exc:
        raise ValueError(f"DataLoader.load_state_dict: {exc}") from None
    return generator.permutation(n)


def _epoch_seed(generator, epoch):
    """A seed for the workers' random draws in an epoch, derived from the generator's state
    and the epoch's number without drawing from it (so the shuffling stays as without workers)."""
    text = json.dumps([_jsonable(generator.bit_generator.state), epoch], sort_keys=True)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"DataLoader: {name} must be an integer >= {minimum}, got {value!r}")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, with PyTorch's arguments.

    Each batch comes from one of two paths:
      - vectorized: a dataset with its own ``get_batch`` (TensorDataset, chainrule.data's
        MNIST, NumPy arrays and Tensors, Subsets of them) is indexed once per batch; the batch
        is a tuple of Tensors (images float32 (B, 1, H, W), labels int64 (B,)), or one Tensor
        when the dataset's items are not tuples;
      - item by item, as PyTorch does: ``collate_fn([dataset[i] for i in batch])``, by default
        ``default_collate`` (a list of Tensors for tuple items), for every other dataset (any
        object with ``len()`` and indexing) and whenever ``collate_fn`` is given.
    With ``shuffle``, each epoch uses a new permutation drawn from ``generator`` (a NumPy
    Generator; default: chainrule's global one, so ``chainrule.manual_seed`` fixes the
    order). ``drop_last`` drops a final incomplete batch. A ``sampler`` (an iterable of
    indices with a length, e.g. ``chainrule.distributed.DistributedSampler``) gives each
    epoch's order instead; it excludes ``shuffle``, and a resumed epoch takes the sampler's
    order again (set it to the same epoch first). A ``batch_sampler`` (an iterable of index
    lists, e.g. ``BatchSampler``) gives the batches themselves. An ``IterableDataset``'s
    stream is grouped into batches (see ``_stream``).

    ``num_workers > 0`` loads batches in that many threads (see ``chainrule.data.workers``):
    at most ``num_workers * prefetch_factor`` (default 2) batches ahead, yielded in order, so
    the batches equal those of ``num_workers=0``. ``worker_init_fn(worker_id)`` runs in each
    worker first; ``persistent_workers`` keeps the threads between epochs; ``timeout`` > 0
    (seconds) bounds the wait for a batch. ``pin_memory``, ``pin_memory_device``,
    ``multiprocessing_context`` and ``in_order`` are accepted and change nothing: the data
    stays in CPU memory, workers are threads, and batches always come in order.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if generator is not None:
            check_generator("DataLoader", generator)
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must support len() and indexing (a Dataset, a "
                            f"list of samples, an array), got {type(dataset).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if isinstance(dataset, IterableDataset) and (shuffle or sampler is not None):
            option = f"shuffle={shuffle}" if shuffle else f"sampler={sampler}"
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle and sampler "
                             f"options, but got {option}")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context)
        for name, function in (("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)):
            if function is not None and not callable(function):
                raise TypeError(f"DataLoader: {name} must be callable, got {type(function).__name__}")
        self.dataset = dataset
        # as in PyTorch, loader.sampler always exists; the loader draws the default order itself
        self._custom_sampler = sampler is not None
        self.sampler = sampler if sampler is not None else (
            RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset))
        self.batch_sampler = batch_sampler  # an iterable of index lists: each one batch
        self.batch_size = None if batch_sampler is not None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.num_workers, self.timeout = int(num_workers), timeout
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.persistent_workers, self.worker_init_fn = bool(persistent_workers), worker_init_fn
        self.collate_fn, self.pin_memory = collate_fn, bool(pin_memory)
        self._epoch_rng_state = None
        self._next_batch = 0
        self._resume_order = None  # set by load_state_dict, used by the next __iter__
        self._epochs, self._pool = 0, None

    @staticmethod
    def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context):
        """PyTorch's checks, with its messages."""
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be a non-negative integer, got "
                             f"{num_workers!r}; use num_workers=0 to load in the main thread")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified with "
                             "num_workers > 0; otherwise set prefetch_factor to None")
        if prefetch_factor is not None:
            _check_count("prefetch_factor", prefetch_factor, 0)
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(f"DataLoader: multiprocessing_context can only be used with num_workers > 0, "
                             f"but got num_workers={num_workers}")

    def _num_samples(self):
        return len(self.sampler)

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = self._num_samples()
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _new_order(self):
        if self._custom_sampler:
            self._epoch_rng_state = None
            return np.fromiter(self.sampler, dtype=np.int64, count=len(self.sampler))
        if not self.shuffle:
            self._epoch_rng_state = None
            return np.arange(len(self.dataset))
        generator = self.generator if self.generator is not None else cr_random.default_generator()
        self._epoch_rng_state = _jsonable(generator.bit_generator.state)
        return generator.permutation(len(self.dataset))

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            return self._stream()
        self._epochs += 1
        if self.batch_sampler is not None:
            self._next_batch = 0
            return self._batches(enumerate(np.asarray(b, dtype=np.int64) for b in self.batch_sampler))
        if self._resume_order is not None:
            order, self._resume_order = self._resume_order, None
        else:
            order, self._next_batch = self._new_order(), 0
        size = self.batch_size
        indices = range(self._next_batch, len(self))
        return self._batches((index, order[index * size:(index + 1) * size]) for index in indices)

    def _fetcher(self):
        """``fetch(indices)``: the batch of those samples (see the class docstring's two paths)."""
        dataset = self.dataset
        if self.collate_fn is None and batches_itself(dataset):
            def fetch(indices):
                batch = get_batch(dataset, indices)
                return tuple(map(_tensor, batch)) if isinstance(batch, tuple) else _tensor(batch)
            return fetch
        collate = self.collate_fn if self.collate_fn is not None else default_collate
        return lambda indices: collate([dataset[int(i)] for i in indices])

    def _batches(self, chunks):
        """The batches of ``chunks``, pairs (batch index, sample indices), in order."""
        fetch = self._fetcher()
        if self.num_workers == 0:
            results = ((index, fetch(indices)) for index, indices in chunks)
            for index, batch in results:
                self._next_batch = index + 1
                yield batch
        else:
            generator = self.generator if self.generator is not None else cr_random.default_generator()
            seed = _epoch_seed(generator, self._epochs)
            pool = self._pool or WorkerPool(self.num_workers, self.dataset, self.worker_init_fn, seed)
            if self.persistent_workers:
                self._pool = pool
            ahead = max(1, self.num_workers * self.prefetch_factor)
            try:
                with contextlib.closing(pool.batches(fetch, seed, chunks, ahead, self.timeout)) as results:
                    for index, batch in results:
                        self._next_batch = index + 1
                        yield batch
            finally:
                if pool is not self._pool:
                    pool.shutdown()
        self._epoch_rng_state, self._next_batch = None, 0  # epoch over: the next one is fresh

    def _stream(self):
        """The batches of an IterableDataset: its items grouped by ``batch_size`` (by each
        worker, as in PyTorch, so ``drop_last`` drops each worker's incomplete batch)."""
        collate = self.collate_fn if self.collate_fn is not None else default_collate

        def make_batches():
            items = iter(self.dataset)
            while batch := list(itertools.islice(items, self.batch_size)):
                if len(batch) == self.batch_size or not self.drop_last:
                    yield collate(batch)

        if self.num_workers == 0:
            yield from make_batches()
            return
        generator = self.generator if self.generator is not None else cr_random.default_generator()
        self._epochs += 1
        seed = _epoch_seed(generator, self._epochs)
        pool = self._pool or WorkerPool(self.num_workers, self.dataset, self.worker_init_fn, seed)
        if self.persistent_workers:
            self._pool = pool
        try:
            with contextlib.closing(pool.streams(make_batches, seed, self.timeout)) as batches:
                yield from batches
        finally:
            if pool is not self._pool:
                pool.shutdown()

    def state_dict(self):
        """The position in the current epoch, JSON-serialisable (see the module docstring)."""
        if isinstance(self.dataset, IterableDataset) or self.batch_sampler is not None:
            raise ValueError("DataLoader.state_dict: the position cannot be saved with an IterableDataset "
                             "(a stream has no indices) or a batch_sampler (its batches are its own)")
        return {
            "num_samples": self._num_samples(),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
            "epoch_rng_state": self._epoch_rng_state,
            "next_batch": self._next_batch,
        }

    def load_state_dict(self, state):
        """Continue from ``state`` (from ``state_dict``) at the next ``iter(loader)``."""
        if not isinstance(state, dict):  # a hand-edited training file: "nan", a list...
            raise TypeError(f"DataLoader.load_state_dict: expected the dict of state_dict(), got "
                            f"{type(state).__name__} {state!r:.60}")
        expected = {"num_samples": self._num_samples(), "batch_size": self.batch_size,
                    "shuffle": self.shuffle, "drop_last": self.drop_last}
        wrong = [f"{key}: saved {state.get(key)!r}, loader has {value!r}"
                 for key, value in expected.items() if state.get(key) != value]
        next_batch = state.get("next_batch")
        if isinstance(next_batch, bool) or not isinstance(next_batch, int) or not 0 <= next_batch <= len(self):
            wrong.append(f"next_batch: {next_batch!r} is not in 0..{len(self)}")
        if wrong:
            raise ValueError("DataLoader.load_state_dict: state does not fit this loader: " + "; ".join(wrong))
        rng_state = state.get("epoch_rng_state")
        if self._custom_sampler:
            order = self._new_order()
        elif not self.shuffle:
            order = np.arange(len(self.dataset))
        elif rng_state is not None:
            order = _permutation_from_state(rng_state, len(self.dataset))
        elif next_batch == 0:
            order = None  # saved between epochs: the next one starts fresh
        else:
            raise ValueError("DataLoader.load_state_dict: mid-epoch state without epoch_rng_state")
        self._epoch_rng_state = rng_state if self.shuffle else None
        self._next_batch = next_batch
        self._resume_order = order
