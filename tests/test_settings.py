"""chainrule.settings: the process-wide switches of PyTorch scripts' first lines."""
import os

import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def test_default_dtype_is_pytorchs():
    assert cr.get_default_dtype() == cr.float32 and torch.get_default_dtype() == torch.float32
    assert cr.tensor([1.5]).dtype == cr.get_default_dtype()


def test_deterministic_algorithms_are_always_on():
    cr.use_deterministic_algorithms(True)
    cr.use_deterministic_algorithms(False, warn_only=True)
    assert cr.are_deterministic_algorithms_enabled() is True
    with pytest.raises(TypeError, match="mode must be a bool"):
        cr.use_deterministic_algorithms("yes")


def test_num_threads_set_chainrule_and_blas(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = cr.get_num_threads()
    with threadpoolctl.threadpool_limits(None):  # restores BLAS's count on exit
        try:
            cr.set_num_threads(1)
            assert cr.get_num_threads() == 1
            blas = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
            assert blas and set(blas) == {1}
            with pytest.raises(ValueError, match="expected a positive integer, got 0"):
                cr.set_num_threads(0)
        finally:
            cr.settings._num_threads[0] = None
    assert cr.get_num_threads() == before
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert cr.get_num_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert cr.get_num_threads() == len(os.sched_getaffinity(0))


def test_size_is_a_tuple():
    assert isinstance(cr.ones(2, 3).shape, cr.Size) and cr.Size([2, 3]) == (2, 3) == torch.Size([2, 3])


def test_num_threads_is_scoped():
    cr.settings._num_threads[0] = None
    default = cr.get_num_threads()
    with cr.settings.num_threads(1):
        assert cr.get_num_threads() == 1
        with pytest.raises(ValueError, match="num_threads: expected a positive integer, got 0"):
            with cr.settings.num_threads(0):
                pass
        assert cr.get_num_threads() == 1
    assert cr.settings._num_threads[0] is None and cr.get_num_threads() == default
