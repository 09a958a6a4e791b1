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
import numpy as np

from .. import random as cr_random
from .dataset import _tensor, check_generator, get_batch


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


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    Each batch is a tuple of Tensors (for MNIST-like sets: images float32 (B, 1, H, W), labels
    int64 (B,)), or one Tensor when the dataset's items are not tuples. With ``shuffle``, each
    epoch uses a new permutation drawn from ``generator`` (a NumPy Generator; default:
    chainrule's global one, so ``chainrule.manual_seed`` fixes the order). ``drop_last`` drops
    a final incomplete batch. Batches come from ``dataset.get_batch(indices)``, one vectorized
    indexing per batch for array-backed datasets; ``dataset`` may also be any sequence of
    samples (a list of pairs) or an array, as in PyTorch. A ``sampler`` (an iterable of indices
    with a length, e.g. ``chainrule.distributed.DistributedSampler``) gives each epoch's
    order instead; it excludes ``shuffle``, and a resumed epoch takes the sampler's order
    again (set it to the same epoch first).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None,
                 sampler=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if generator is not None:
            check_generator("DataLoader", generator)
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must support len() and indexing (a Dataset, a "
                            f"list of samples, an array), got {type(dataset).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self._epoch_rng_state = None
        self._next_batch = 0
        self._resume_order = None  # set by load_state_dict, used by the next __iter__

    def _num_samples(self):
        return len(self.dataset if self.sampler is None else self.sampler)

    def __len__(self):
        n = self._num_samples()
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _new_order(self):
        if self.sampler is not None:
            self._epoch_rng_state = None
            return np.fromiter(self.sampler, dtype=np.int64, count=len(self.sampler))
        if not self.shuffle:
            self._epoch_rng_state = None
            return np.arange(len(self.dataset))
        generator = self.generator if self.generator is not None else cr_random.default_generator()
        self._epoch_rng_state = _jsonable(generator.bit_generator.state)
        return generator.permutation(len(self.dataset))

    def __iter__(self):
        if self._resume_order is not None:
            order, self._resume_order = self._resume_order, None
        else:
            order, self._next_batch = self._new_order(), 0
        return self._batches(order, self._next_batch)

    def _batches(self, order, start):
        size = self.batch_size
        for index in range(start, len(self)):
            batch = get_batch(self.dataset, order[index * size:(index + 1) * size])
            self._next_batch = index + 1
            yield tuple(map(_tensor, batch)) if isinstance(batch, tuple) else _tensor(batch)
        self._epoch_rng_state, self._next_batch = None, 0  # epoch over: the next one is fresh

    def state_dict(self):
        """The position in the current epoch, JSON-serialisable (see the module docstring)."""
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
        if self.sampler is not None:
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
