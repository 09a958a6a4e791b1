"""DistributedSampler: PyTorch's contract (same indices as torch's without shuffling)."""
import numpy as np
import pytest

from chainrule.distributed import DistributedSampler


def shares(n, replicas, **kwargs):
    return [list(DistributedSampler(range(n), num_replicas=replicas, rank=r, **kwargs)) for r in range(replicas)]


@pytest.mark.parametrize("n, replicas", [(10, 3), (12, 4), (5, 8), (1, 2), (7, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_without_shuffle_the_indices_are_torchs(n, replicas, drop_last):
    torch_sampler = pytest.importorskip("torch.utils.data.distributed").DistributedSampler
    for rank, share in enumerate(shares(n, replicas, shuffle=False, drop_last=drop_last)):
        expected = list(torch_sampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                      drop_last=drop_last))
        assert share == expected


@pytest.mark.parametrize("n, replicas", [(10, 3), (12, 4), (5, 8), (100, 7)])
def test_every_index_once_per_epoch_padded_by_repeats(n, replicas):
    sampler_shares = shares(n, replicas, seed=5)
    per_rank = -(-n // replicas)
    assert all(len(share) == per_rank for share in sampler_shares)
    together = sum(sampler_shares, [])
    assert set(together) == set(range(n))
    assert len(together) == per_rank * replicas  # n, plus the first indices repeated


@pytest.mark.parametrize("n, replicas", [(10, 3), (12, 4), (100, 7)])
def test_drop_last_gives_disjoint_equal_shares(n, replicas):
    sampler_shares = shares(n, replicas, seed=5, drop_last=True)
    together = sum(sampler_shares, [])
    assert all(len(share) == n // replicas for share in sampler_shares)
    assert len(set(together)) == len(together) == n // replicas * replicas


def test_same_seed_and_epoch_same_order_new_epoch_new_order():
    first, second = (DistributedSampler(range(50), num_replicas=2, rank=1, seed=3) for _ in range(2))
    assert list(first) == list(second)
    epoch0 = list(first)
    first.set_epoch(1)
    assert list(first) != epoch0
    assert list(DistributedSampler(range(50), num_replicas=2, rank=1, seed=4)) != epoch0
    assert sorted(list(DistributedSampler(range(50), num_replicas=1, rank=0))) == list(range(50))


def test_defaults_come_from_the_world():
    sampler = DistributedSampler(range(9))
    assert (sampler.num_replicas, sampler.rank, len(sampler)) == (1, 0, 9)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(range(9), num_replicas=3, rank=3)
    with pytest.raises(ValueError, match="num_replicas must be at least 1"):
        DistributedSampler(range(9), num_replicas=0, rank=0)
    with pytest.raises(TypeError, match="epoch must be an integer"):
        DistributedSampler(range(9)).set_epoch(1.5)


def test_indices_are_int64_arrays():
    indices = DistributedSampler(range(9), num_replicas=2, rank=0).indices()
    assert indices.dtype == np.int64 and indices.shape == (5,)
