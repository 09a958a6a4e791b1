import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.optim import optimizer as optimizer_module

from .trajectory import assert_trajectory_matches_torch

CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    dict(lr=0.2, weight_decay=0.5),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_trajectory_matches_torch(config):
    torch = pytest.importorskip("torch")
    assert_trajectory_matches_torch(torch, "SGD", config)


def test_plain_sgd_is_the_math_doc_update():
    w = cr.nn.Parameter(np.array([1.0, -2.0]))
    w.grad = cr.tensor(np.array([0.5, 0.25]))
    optim.SGD([w], lr=3.0).step()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0 - 1.5, -2.0 - 0.75])


def test_momentum_buffer_and_float32_in_place():
    w = cr.nn.Parameter(np.ones(3, dtype=np.float32))
    array = w.detach().numpy()
    opt = optim.SGD([w], lr=0.5, momentum=0.9)
    for _ in range(2):
        w.grad = cr.full((3,), 2.0)
        opt.step()
    assert w.detach().numpy() is array and array.dtype == np.float32
    buf = opt.state[w]["momentum_buffer"]
    np.testing.assert_allclose(buf, 2 * 0.9 + 2)  # 2, then 0.9 * 2 + 2
    np.testing.assert_allclose(array, 1 - 0.5 * 2 - 0.5 * 3.8, rtol=1e-6)
    assert buf.dtype == np.float32


def test_bad_hyperparameters():
    w = [cr.nn.Parameter(np.ones(2))]
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD(w, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(w, lr=0.1, nesterov=True)


@pytest.mark.parametrize("config", CONFIGS)
def test_blocked_update_matches_torch(monkeypatch, config):
    """Parameters above UNBLOCKED_UP_TO are updated block by block (here blocks of 5 of the
    12 and 4 elements): the same trajectory as PyTorch's whole-tensor update."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(optimizer_module, "BLOCK", 5)
    monkeypatch.setattr(optimizer_module, "UNBLOCKED_UP_TO", 3)
    assert_trajectory_matches_torch(torch, "SGD", config)


def test_blocked_update_is_bit_identical_to_whole_arrays(monkeypatch):
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((2, 50, 7)).astype(np.float32)
    grads = rng.standard_normal((3, 50, 7)).astype(np.float32)
    results = []
    for block, above in ((1 << 14, 1 << 18), (16, 20)):
        monkeypatch.setattr(optimizer_module, "BLOCK", block)
        monkeypatch.setattr(optimizer_module, "UNBLOCKED_UP_TO", above)
        params = [cr.nn.Parameter(w.copy()) for w in weights]
        opt = optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=0.01)
        for g in grads:
            for p in params:
                p.grad = cr.from_numpy(g.copy())
            opt.step()
        results.append([p.detach().numpy() for p in params])
    for whole, blocked in zip(*results):
        np.testing.assert_array_equal(whole, blocked)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_without_kept_freed_memory_a_step_allocates_no_temporary_the_size_of_a_parameter(momentum, monkeypatch):
    """Where glibc's heap may be trimmed (chainrule.heap not applied: UNBLOCKED_UP_TO is 4096),
    the update's temporaries come from a reused scratch array: a fresh one per parameter and
    step made glibc grow and trim its heap every step (page faults on every step)."""
    import tracemalloc

    monkeypatch.setattr(optimizer_module, "UNBLOCKED_UP_TO", 1 << 12)

    weight = cr.nn.Parameter(np.ones((300, 100)))  # 240 KB, one block
    big = cr.nn.Parameter(np.ones(3 * optimizer_module.BLOCK + 5))  # several blocks
    opt = optim.SGD([weight, big], lr=0.1, momentum=momentum, weight_decay=0.01)
    weight.grad = cr.tensor(np.full((300, 100), 0.5))
    big.grad = cr.tensor(np.full(big.shape, 0.5))
    opt.step()  # the first step makes the momentum buffers and the scratch array
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000, peak
