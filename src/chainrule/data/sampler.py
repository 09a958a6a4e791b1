"""Samplers: the order of indices a DataLoader reads, as ``torch.utils.data.sampler``'s.

A sampler is an iterable of indices with a ``len``; pass it as ``DataLoader(sampler=...)``.
The random ones draw from ``generator`` (a NumPy Generator; default chainrule's global one,
so ``chainrule.manual_seed`` fixes them), a new order on every ``iter``.
"""
import itertools
import numbers

import numpy as np

from .dataset import check_generator


def _check_positive(where, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{where}: {name} should be a positive integer value, got {value!r}")


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and ``__len__``."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices of ``data_source`` (or ``num_samples`` of them);
    with ``replacement``, ``num_samples`` indices drawn independently."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, got {replacement!r}")
        if num_samples is not None:
            _check_positive("RandomSampler", "num_samples", num_samples)
        check_generator("RandomSampler", generator)
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self):
        generator, n = check_generator("RandomSampler", self.generator), len(self.data_source)
        if self.replacement:
            return iter(generator.integers(0, n, self.num_samples).tolist())
        # whole permutations, as many as num_samples needs, as PyTorch's
        rounds = -(-self.num_samples // n) if n else 0
        order = np.concatenate([generator.permutation(n) for _ in range(rounds)]) if rounds else np.empty(0, int)
        return iter(order[:self.num_samples].tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (e.g. a validation split of one dataset)."""

    def __init__(self, indices, generator=None):
        check_generator("SubsetRandomSampler", generator)
        self.indices, self.generator = indices, generator

    def __iter__(self):
        order = check_generator("SubsetRandomSampler", self.generator).permutation(len(self.indices))
        return iter([self.indices[i] for i in order])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with
    ``replacement``, the default, or without)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_positive("WeightedRandomSampler", "num_samples", num_samples)
        weights = np.asarray(weights._data if hasattr(weights, "_data") else weights, dtype=np.float64)
        if weights.ndim != 1 or not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"WeightedRandomSampler: weights must be a 1-D sequence of non-negative finite "
                             f"numbers with a positive sum, got shape {weights.shape}")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                             f"from {np.count_nonzero(weights)} non-zero weights")
        check_generator("WeightedRandomSampler", generator)
        self.weights, self.num_samples = weights, int(num_samples)
        self.replacement, self.generator = bool(replacement), generator

    def __iter__(self):
        generator = check_generator("WeightedRandomSampler", self.generator)
        drawn = generator.choice(len(self.weights), self.num_samples, replace=self.replacement,
                                 p=self.weights / self.weights.sum())
        return iter(drawn.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Batches of ``sampler``'s indices, lists of ``batch_size`` (the last one shorter unless
    ``drop_last``), for ``DataLoader(batch_sampler=...)``."""

    def __init__(self, sampler, batch_size, drop_last):
        _check_positive("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, got {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) == self.batch_size or not self.drop_last:
                yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
