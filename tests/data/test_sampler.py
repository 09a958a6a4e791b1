"""Samplers as torch.utils.data.sampler's: which indices, how many, seeded by chainrule."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.data import (
    BatchSampler, DataLoader, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, TensorDataset,
    WeightedRandomSampler,
)


def test_sequential_sampler_as_pytorch():
    torch = pytest.importorskip("torch")
    data = list(range(7))
    assert list(SequentialSampler(data)) == list(torch.utils.data.SequentialSampler(data)) == data
    assert len(SequentialSampler(data)) == 7


def test_random_sampler_permutes_and_is_seeded():
    cr.manual_seed(0)
    first = list(RandomSampler(range(10)))
    assert sorted(first) == list(range(10)) and len(RandomSampler(range(10))) == 10
    cr.manual_seed(0)
    assert list(RandomSampler(range(10))) == first
    sampler = RandomSampler(range(10), generator=np.random.default_rng(1))
    assert list(sampler) != list(sampler)  # a new order on every pass
    long = list(RandomSampler(range(4), num_samples=10))  # whole permutations, then a part of one
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=300))
    assert len(drawn) == 300 and set(drawn) == {0, 1, 2}
    with pytest.raises(ValueError, match="RandomSampler: num_samples should be a positive integer value, got 0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="RandomSampler: replacement should be a boolean value, got 1"):
        RandomSampler(range(3), replacement=1)


def test_subset_random_sampler_in_a_loader():
    dataset = TensorDataset(np.arange(10) * 10)
    sampler = SubsetRandomSampler([1, 3, 5, 7])
    values = [int(v) for (batch,) in DataLoader(dataset, batch_size=3, sampler=sampler) for v in batch.numpy()]
    assert sorted(values) == [10, 30, 50, 70] and len(sampler) == 4


def test_weighted_random_sampler():
    cr.manual_seed(2)
    drawn = np.array(list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000)))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0 and 2700 < counts[2] < 3300
    assert sorted(WeightedRandomSampler(cr.tensor([1.0, 1.0, 1.0]), 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement from 2 non-zero weights"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)
    with pytest.raises(ValueError, match="weights must be a 1-D sequence of non-negative finite numbers"):
        WeightedRandomSampler([1.0, -1.0], 2)


def test_base_sampler_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="Sampler must define __iter__"):
        iter(Sampler())


def test_a_loader_always_has_a_sampler_as_in_pytorch():
    dataset = TensorDataset(np.arange(5))
    assert isinstance(DataLoader(dataset).sampler, SequentialSampler)
    assert isinstance(DataLoader(dataset, shuffle=True).sampler, RandomSampler)
    assert len(DataLoader(dataset, shuffle=True).sampler) == 5


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_as_pytorch(drop_last):
    torch = pytest.importorskip("torch")
    ours = BatchSampler(SequentialSampler(range(10)), 3, drop_last)
    theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(10)), 3, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    dataset = TensorDataset(np.arange(10) * 10)
    loader = DataLoader(dataset, batch_sampler=ours)
    assert loader.batch_size is None and len(loader) == len(ours)
    assert [batch.numpy().tolist() for (batch,) in loader] == [[10 * i for i in b] for b in theirs]
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"):
        DataLoader(dataset, batch_size=2, batch_sampler=ours)
    with pytest.raises(ValueError, match="the position cannot be saved .* or a batch_sampler"):
        loader.state_dict()
    with pytest.raises(ValueError, match="BatchSampler: batch_size should be a positive integer value, got 0"):
        BatchSampler(range(3), 0, False)
