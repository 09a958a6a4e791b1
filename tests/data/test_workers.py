"""DataLoader(num_workers=N): threads that really run at once, batches equal and in the same
order as num_workers=0, PyTorch's argument checks, worker_init_fn, get_worker_info, timeout."""
import itertools
import threading
import time

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info
from chainrule.vision import transforms as T


class Items(Dataset):
    """Item-by-item dataset (no get_batch of its own): (float32 (2,), int) pairs."""

    def __init__(self, n=23, transform=None):
        self.n, self.transform = n, transform

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        x = cr.tensor(np.float32([index, -index]))
        return (self.transform(x) if self.transform else x), index


def _as_lists(batches):
    return [[part.numpy().tolist() for part in batch] for batch in batches]


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_equal_those_without_workers(workers, shuffle):
    cr.manual_seed(7)
    expected = [_as_lists(DataLoader(Items(), batch_size=4, shuffle=shuffle)) for _ in range(2)]
    after = cr.random.get_rng_state()
    cr.manual_seed(7)
    loader = DataLoader(Items(), batch_size=4, shuffle=shuffle, num_workers=workers)
    assert [_as_lists(loader) for _ in range(2)] == expected  # two epochs: same permutations
    assert cr.random.get_rng_state() == after  # workers drew nothing from the global generator
    vectorized = TensorDataset(np.arange(10.0), np.arange(10))
    assert _as_lists(DataLoader(vectorized, batch_size=3, num_workers=workers)) == _as_lists(DataLoader(vectorized, batch_size=3))


def test_workers_run_at_the_same_time():
    barrier = [threading.Barrier(2, timeout=20)]  # passes only if two items are loaded at once

    class Meeting(Items):
        def __getitem__(self, index):
            barrier[0].wait()
            return super().__getitem__(index)

    labels = [y.numpy().tolist() for _, y in DataLoader(Meeting(8), batch_size=1, num_workers=2)]
    assert labels == [[i] for i in range(8)]
    barrier[0] = threading.Barrier(2, timeout=0.5)
    with pytest.raises(threading.BrokenBarrierError):  # without workers, the first item waits alone
        next(iter(DataLoader(Meeting(2), batch_size=1)))


def test_random_transforms_in_workers_are_reproducible_and_leave_the_global_generator_alone():
    flip = T.RandomHorizontalFlip()
    reshape = T.Lambda(lambda x: x.reshape(1, 1, 2))
    dataset = Items(40, transform=T.Compose([reshape, flip]))

    def run(workers):
        cr.manual_seed(3)
        return _as_lists(DataLoader(dataset, batch_size=5, num_workers=workers))

    first, second = run(3), run(2)
    assert first == second  # draws follow the batch, not the thread that ran it
    flipped = [x[0][0] != [i, -i] for batch in first for x, i in zip(batch[0], batch[1])]
    assert 5 < sum(flipped) < 35


def test_worker_init_fn_and_get_worker_info():
    seen, lock = [], threading.Lock()

    class Reporting(Items):
        def __getitem__(self, index):
            info = get_worker_info()
            with lock:
                seen.append((info.id, info.num_workers, info.dataset is dataset, index))
            return super().__getitem__(index)

    started = []
    dataset = Reporting(12)
    loader = DataLoader(dataset, batch_size=2, num_workers=3, worker_init_fn=started.append)
    assert len(list(loader)) == 6
    assert sorted(started) == [0, 1, 2]  # every worker starts, once
    assert {(n, same) for _, n, same, _ in seen} == {(3, True)}
    assert all(worker == (index // 2) % 3 for worker, _, _, index in seen)  # batch i: worker i % 3
    assert get_worker_info() is None


def test_persistent_workers_keep_their_threads():
    started = []
    loader = DataLoader(Items(8), batch_size=2, num_workers=2, persistent_workers=True, worker_init_fn=started.append)
    first, second = _as_lists(loader), _as_lists(loader)
    assert first == second == _as_lists(DataLoader(Items(8), batch_size=2))
    assert len(started) <= 2  # started once, not once per epoch


def test_errors_in_workers_come_out_in_the_loop():
    class Broken(Items):
        def __getitem__(self, index):
            if index == 5:
                raise KeyError(f"sample {index} is broken")
            return super().__getitem__(index)

    with pytest.raises(KeyError, match="sample 5 is broken"):
        list(DataLoader(Broken(), batch_size=2, num_workers=2))

    def failing_init(worker_id):
        raise ValueError(f"worker {worker_id} cannot start")

    with pytest.raises(ValueError, match=r"worker \d cannot start"):
        list(DataLoader(Items(), batch_size=2, num_workers=2, worker_init_fn=failing_init))


def test_timeout():
    class Slow(Items):
        def __getitem__(self, index):
            time.sleep(2)
            return super().__getitem__(index)

    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        next(iter(DataLoader(Slow(2), num_workers=1, timeout=0.2)))


def test_collate_fn_and_items_as_pytorch():
    torch = pytest.importorskip("torch")
    pairs = [(np.float32([i, 2 * i]), i % 3) for i in range(5)]
    ours = DataLoader(pairs, batch_size=2, num_workers=2)
    theirs = torch.utils.data.DataLoader(pairs, batch_size=2)
    for batch, expected in zip(ours, theirs, strict=True):
        assert type(batch) is type(expected) is list
        assert [(b.numpy().dtype, b.numpy().tolist()) for b in batch] == [(e.numpy().dtype, e.numpy().tolist()) for e in expected]
    sizes = [len(b) for b in DataLoader(TensorDataset(np.zeros(5)), batch_size=2, collate_fn=lambda items: items)]
    assert sizes == [2, 2, 1]  # collate_fn gets the list of samples, also for a vectorized dataset


@pytest.mark.parametrize("kwargs, message", [
    ({"num_workers": -1}, "num_workers option should be a non-negative integer, got -1"),
    ({"num_workers": 1.5}, "num_workers option should be a non-negative integer"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified with num_workers > 0"),
    ({"num_workers": 2, "prefetch_factor": -1}, "prefetch_factor must be an integer >= 0, got -1"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"timeout": -1}, "timeout option should be non-negative, got -1"),
    ({"multiprocessing_context": "spawn"}, "multiprocessing_context can only be used with num_workers > 0"),
    ({"batch_sampler": [[0, 1]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
])
def test_bad_worker_options_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Items(), **kwargs)


def test_accepted_options_that_change_nothing_on_the_cpu():
    loader = DataLoader(Items(6), batch_size=3, pin_memory=True, num_workers=2, prefetch_factor=4,
                        multiprocessing_context="fork", in_order=False, pin_memory_device="")
    assert loader.pin_memory and loader.prefetch_factor == 4
    assert _as_lists(loader) == _as_lists(DataLoader(Items(6), batch_size=3))
    assert DataLoader(Items(), num_workers=2).prefetch_factor == 2
    with pytest.raises(TypeError, match="DataLoader: collate_fn must be callable, got int"):
        DataLoader(Items(), collate_fn=3)


def test_state_dict_with_workers_resumes_where_the_loop_is():
    cr.manual_seed(5)
    loader = DataLoader(Items(20), batch_size=3, shuffle=True, num_workers=2)
    iterator = iter(loader)
    seen = [next(iterator) for _ in range(2)]
    state = loader.state_dict()  # batches prefetched by the workers do not count
    assert state["next_batch"] == 2
    rest = _as_lists(iterator)
    resumed = DataLoader(Items(20), batch_size=3, shuffle=True, num_workers=2)
    resumed.load_state_dict(state)
    assert _as_lists(resumed) == rest and len(seen) + len(rest) == 7


class Stream(IterableDataset):
    """0 .. n-1, split between workers as PyTorch's docs show (each worker takes every k-th)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


@pytest.mark.parametrize("workers", [0, 1, 2, 3])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_batches_as_pytorch(workers, drop_last):
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, 11, step))

    ours = [b.numpy().tolist() for b in DataLoader(Stream(11), batch_size=2, num_workers=workers, drop_last=drop_last)]
    if workers == 0:  # torch's worker processes are too slow to start here; the order rule is checked below
        theirs = [b.tolist() for b in torch.utils.data.DataLoader(TorchStream(), batch_size=2, drop_last=drop_last)]
        assert ours == theirs
    else:  # round-robin over the workers' own batches, as PyTorch yields them
        per_worker = [[list(range(k, 11, workers))[i:i + 2] for i in range(0, len(range(k, 11, workers)), 2)]
                      for k in range(workers)]
        per_worker = [[b for b in batches if len(b) == 2 or not drop_last] for batches in per_worker]
        expected = [b for round_ in itertools.zip_longest(*per_worker) for b in round_ if b is not None]
        assert ours == expected


def test_iterable_dataset_options():
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified shuffle and sampler options, but got shuffle=True"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="the position cannot be saved with an IterableDataset"):
        DataLoader(Stream(3)).state_dict()
    with pytest.raises(TypeError, match="Stream is an IterableDataset: iterate it, it has no indices"):
        Stream(3)[0]
    lists = list(DataLoader(Stream(5), batch_size=2, collate_fn=list))
    assert lists == [[0, 1], [2, 3], [4]]
    with pytest.raises(TypeError, match="Stream has no len()"):
        len(DataLoader(Stream(5)))


def test_the_reproducibility_recipe_of_pytorchs_docs():
    """worker_init_fn=seed_worker with torch.initial_seed(), generator=torch.Generator().manual_seed(0)."""
    seeds, lock = {}, threading.Lock()

    def seed_worker(worker_id):
        with lock:
            seeds[worker_id] = (cr.initial_seed(), get_worker_info().seed)

    def run():
        seeds.clear()
        loader = DataLoader(Items(12), batch_size=2, shuffle=True, num_workers=2, worker_init_fn=seed_worker,
                            generator=cr.Generator().manual_seed(0))
        return _as_lists(loader), dict(seeds)

    (batches, first), (again, second) = run(), run()
    assert batches == again and first == second
    assert all(initial == info for initial, info in first.values())
    assert len({initial for initial, _ in first.values()}) == len(first)  # one seed per worker
    cr.manual_seed(0)
    assert cr.initial_seed() == 0
