import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DataLoader, Dataset, TensorDataset
from chainrule.random import get_rng_state, set_rng_state


def make_dataset(n=10):
    images = np.arange(n * 4, dtype=np.float32).reshape(n, 1, 2, 2)
    return TensorDataset(images, np.arange(n, dtype=np.int64))


def labels_of(batches):
    return [labels.data.tolist() for _, labels in batches]


@pytest.mark.parametrize("drop_last, expected_len", [(False, 4), (True, 3)])
def test_batches_in_order(drop_last, expected_len):
    loader = DataLoader(make_dataset(10), batch_size=3, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == expected_len
    expected = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]][:expected_len]
    assert labels_of(batches) == expected
    images, labels = batches[1]
    assert isinstance(images, cr.Tensor) and isinstance(labels, cr.Tensor)
    assert images.dtype == np.float32 and labels.dtype == np.int64
    assert images.shape == (3, 1, 2, 2) and not images.requires_grad
    np.testing.assert_array_equal(images.data, np.arange(12, 24, dtype=np.float32).reshape(3, 1, 2, 2))


def test_len_and_batch_size_validation():
    assert len(DataLoader(make_dataset(9), batch_size=3)) == 3
    assert len(DataLoader(make_dataset(9), batch_size=20)) == 1
    assert len(DataLoader(make_dataset(9), batch_size=20, drop_last=True)) == 0
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size must be a positive integer"):
            DataLoader(make_dataset(), batch_size=bad)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        DataLoader(make_dataset(), generator=42)


class CountingDataset(TensorDataset):
    def __init__(self, *arrays):
        super().__init__(*arrays)
        self.batch_calls = 0

    def __getitem__(self, index):
        raise AssertionError("the loader must not index sample by sample")

    def get_batch(self, indices):
        self.batch_calls += 1
        return super().get_batch(indices)


def test_one_vectorized_get_batch_per_batch():
    dataset = CountingDataset(np.zeros((100, 3)), np.zeros(100, dtype=np.int64))
    assert len(list(DataLoader(dataset, batch_size=32, shuffle=True))) == 4
    assert dataset.batch_calls == 4


class Squares(Dataset):
    """A generic dataset: items are single arrays, only __getitem__ is defined."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        return np.array([index, index * index])


def test_generic_dataset_items_are_stacked():
    batches = list(DataLoader(Squares(), batch_size=2))
    assert all(isinstance(batch, cr.Tensor) for batch in batches)
    np.testing.assert_array_equal(batches[1].data, [[2, 4], [3, 9]])
    assert batches[2].shape == (1, 2)


def test_shuffle_is_seeded_by_manual_seed_and_changes_per_epoch():
    loader = DataLoader(make_dataset(10), batch_size=4, shuffle=True)
    cr.manual_seed(123)
    first_run = [sum(labels_of(loader), []) for _ in range(3)]
    cr.manual_seed(123)
    second_run = [sum(labels_of(loader), []) for _ in range(3)]
    assert first_run == second_run
    assert all(sorted(order) == list(range(10)) for order in first_run)
    assert first_run[0] != first_run[1] != first_run[2]
    assert first_run[0] == np.random.default_rng(123).permutation(10).tolist()


def test_explicit_generator():
    loader = DataLoader(make_dataset(10), batch_size=5, shuffle=True, generator=np.random.default_rng(7))
    again = DataLoader(make_dataset(10), batch_size=5, shuffle=True, generator=np.random.default_rng(7))
    cr.manual_seed(0)
    order = labels_of(loader)
    cr.manual_seed(1)  # the global generator plays no part
    assert labels_of(again) == order


def test_state_dict_resumes_mid_epoch_exactly():
    dataset = make_dataset(11)
    cr.manual_seed(5)
    loader = DataLoader(dataset, batch_size=2, shuffle=True)
    labels_of(loader)  # a first full epoch
    iterator = iter(loader)
    seen = [next(iterator)[1].data.tolist() for _ in range(2)]
    state = json.loads(json.dumps(loader.state_dict()))  # what a checkpoint stores
    rng_state = json.loads(json.dumps(get_rng_state()))
    assert state["next_batch"] == 2 and state["epoch_rng_state"] is not None
    uninterrupted = [labels.data.tolist() for _, labels in iterator] + [labels_of(loader)]

    cr.manual_seed(999)  # a new process: other RNG state, a new loader
    resumed_loader = DataLoader(dataset, batch_size=2, shuffle=True)
    resumed_loader.load_state_dict(state)
    set_rng_state(rng_state)
    assert resumed_loader.state_dict() == state
    resumed = labels_of(resumed_loader) + [labels_of(resumed_loader)]
    assert resumed == uninterrupted
    assert sorted(sum(seen + uninterrupted[:-1], [])) == list(range(11))


def test_state_between_epochs_and_without_shuffle():
    loader = DataLoader(make_dataset(10), batch_size=3)
    assert loader.state_dict()["next_batch"] == 0
    iterator = iter(loader)
    next(iterator)
    state = loader.state_dict()
    assert state == {"num_samples": 10, "batch_size": 3, "shuffle": False, "drop_last": False,
                     "epoch_rng_state": None, "next_batch": 1}
    list(iterator)
    assert loader.state_dict()["next_batch"] == 0  # epoch over
    fresh = DataLoader(make_dataset(10), batch_size=3)
    fresh.load_state_dict(state)
    assert labels_of(fresh) == [[3, 4, 5], [6, 7, 8], [9]]
    assert labels_of(fresh) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_state_after_the_last_batch_finishes_the_epoch():
    loader = DataLoader(make_dataset(4), batch_size=2, shuffle=True)
    iterator = iter(loader)
    next(iterator), next(iterator)
    state = loader.state_dict()
    assert state["next_batch"] == 2
    resumed = DataLoader(make_dataset(4), batch_size=2, shuffle=True)
    resumed.load_state_dict(state)
    assert list(resumed) == []
    assert len(list(resumed)) == 2


def test_mt19937_generator_state_is_json_serialisable():
    generator = np.random.Generator(np.random.MT19937(3))
    loader = DataLoader(make_dataset(10), batch_size=4, shuffle=True, generator=generator)
    iterator = iter(loader)
    next(iterator)
    state = json.loads(json.dumps(loader.state_dict()))
    remaining = [labels.data.tolist() for _, labels in iterator]
    resumed = DataLoader(make_dataset(10), batch_size=4, shuffle=True, generator=np.random.default_rng())
    resumed.load_state_dict(state)
    assert labels_of(resumed) == remaining


def test_load_state_dict_rejects_states_of_another_loader():
    loader = DataLoader(make_dataset(10), batch_size=3, shuffle=True)
    iter(loader)
    state = loader.state_dict()
    with pytest.raises(ValueError, match=r"batch_size: saved 3, loader has 4"):
        DataLoader(make_dataset(10), batch_size=4, shuffle=True).load_state_dict(state)
    with pytest.raises(ValueError, match=r"num_samples: saved 10, loader has 12"):
        DataLoader(make_dataset(12), batch_size=3, shuffle=True).load_state_dict(state)
    with pytest.raises(ValueError, match=r"next_batch: 9 is not in 0\.\.4"):
        loader.load_state_dict({**state, "next_batch": 9})
    with pytest.raises(ValueError, match=r"unknown generator state 'os.system'"):
        loader.load_state_dict({**state, "epoch_rng_state": {"bit_generator": "os.system"}})
    with pytest.raises(ValueError, match=r"malformed PCG64 generator state"):
        loader.load_state_dict({**state, "epoch_rng_state": {"bit_generator": "PCG64"}})
    with pytest.raises(ValueError, match=r"mid-epoch state without epoch_rng_state"):
        loader.load_state_dict({**state, "epoch_rng_state": None, "next_batch": 1})
    for value in ("nan", None, [state]):  # an AttributeError escaped --resume (the hostile run folders found it)
        with pytest.raises(TypeError, match=rf"expected the dict of state_dict\(\), got {type(value).__name__} "):
            loader.load_state_dict(value)


def test_any_sequence_of_samples_or_an_array_is_a_dataset_as_in_pytorch():
    torch = pytest.importorskip("torch")
    pairs = [(np.full((2,), i, np.float32), i % 3) for i in range(5)]
    ours = [tuple(np.asarray(t) for t in batch) for batch in DataLoader(pairs, batch_size=2)]
    theirs = [tuple(t.numpy() for t in batch) for batch in torch.utils.data.DataLoader(pairs, batch_size=2)]
    assert len(ours) == len(theirs) == 3
    for (x, y), (tx, ty) in zip(ours, theirs):
        np.testing.assert_array_equal(x, tx)
        np.testing.assert_array_equal(y, ty)
    rows = np.arange(12, dtype=np.float32).reshape(6, 2)
    batches = [np.asarray(b) for b in DataLoader(rows, batch_size=4)]
    expected = [b.numpy() for b in torch.utils.data.DataLoader(rows, batch_size=4)]
    assert [b.tolist() for b in batches] == [b.tolist() for b in expected]
    batches = [np.asarray(b) for b in DataLoader(cr.tensor(rows), batch_size=4)]
    assert [b.tolist() for b in batches] == [b.tolist() for b in expected]


def test_an_object_without_len_and_indexing_is_a_clear_error():
    with pytest.raises(TypeError, match="DataLoader: dataset must support len\\(\\) and indexing .*got generator"):
        DataLoader((i for i in range(3)), batch_size=2)


def test_a_sampler_gives_the_order_and_length_and_resumes():
    from chainrule.distributed import DistributedSampler

    dataset = TensorDataset(cr.tensor(np.arange(11.0)))
    sampler = DistributedSampler(dataset, num_replicas=2, rank=1, seed=4)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler)
    assert len(loader) == 3
    batches = [np.asarray(x).tolist() for (x,) in loader]
    assert sum(batches, []) == [float(i) for i in sampler]
    iterator = iter(loader)
    next(iterator)
    state = json.loads(json.dumps(loader.state_dict()))
    resumed = DataLoader(dataset, batch_size=2, sampler=DistributedSampler(dataset, num_replicas=2, rank=1, seed=4))
    resumed.load_state_dict(state)
    assert [np.asarray(x).tolist() for (x,) in resumed] == batches[1:]
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(dataset, shuffle=True, sampler=sampler)


def test_a_subset_of_an_array_batches_through_the_array():
    """Subset (and so random_split) of a plain array takes the vectorized path: its batches
    index the array, as the array's own would."""
    from chainrule.data import Subset, random_split

    loader = DataLoader(Subset(np.arange(10.0), [1, 2, 3]), batch_size=2)
    assert [b.numpy().tolist() for b in loader] == [[1.0, 2.0], [3.0]]
    first, second = random_split(np.arange(6.0), [3, 3], generator=np.random.default_rng(0))
    assert sorted(x for part in (first, second) for b in DataLoader(part, batch_size=4)
                  for x in b.numpy().tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
