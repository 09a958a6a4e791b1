import threading

import numpy as np
import pytest

import chainrule as cr
from chainrule import parallel


@pytest.fixture
def threads():
    def use(n):
        cr.settings._num_threads[0] = n  # chainrule's own count only: BLAS is left alone
    yield use
    cr.settings._num_threads[0] = None


def test_ranges_cover_the_range_once_and_respect_the_minimum(threads):
    threads(3)
    assert parallel.ranges(10, 3 * parallel.MIN_CHUNK) == [(0, 3), (3, 6), (6, 10)]
    assert parallel.ranges(10, 2 * parallel.MIN_CHUNK) == [(0, 5), (5, 10)]
    assert parallel.ranges(10, parallel.MIN_CHUNK - 1) == [(0, 10)]
    assert parallel.ranges(2, 10 * parallel.MIN_CHUNK) == [(0, 1), (1, 2)]
    threads(1)
    assert parallel.ranges(10, 10 * parallel.MIN_CHUNK) == [(0, 10)]


def test_parallel_for_runs_every_range_on_its_own_thread(threads):
    threads(2)
    seen = []
    parallel.parallel_for(lambda a, b: seen.append((a, b, threading.current_thread().name)),
                          8, 8 * parallel.MIN_CHUNK)
    assert sorted(s[:2] for s in seen) == [(0, 4), (4, 8)]
    names = {s[0]: s[2] for s in seen}
    assert names[0] == threading.current_thread().name and names[4].startswith("chainrule")


def test_results_do_not_depend_on_the_thread_count(threads):
    x = np.random.default_rng(0).standard_normal((64, 4096)).astype(np.float32)
    outs = []
    for n in (1, 2, 4):
        threads(n)
        y = np.empty_like(x)
        parallel.parallel_for(lambda a, b: np.tanh(x[a:b], out=y[a:b]), len(x), x.size)
        outs.append(y)
    assert all(np.array_equal(outs[0], y) for y in outs[1:])
    assert np.array_equal(outs[0], np.tanh(x))


def test_an_error_in_any_range_is_raised_after_all_have_run(threads):
    threads(2)
    done = []

    def work(a, b):
        done.append(a)
        if a > 0:
            raise ValueError(f"range {a}:{b}")

    with pytest.raises(ValueError, match="range 4:8"):
        parallel.parallel_for(work, 8, 8 * parallel.MIN_CHUNK)
    assert sorted(done) == [0, 4]


def test_a_pool_thread_runs_nested_work_itself(threads):
    threads(2)
    inner = []

    def outer(a, b):
        parallel.parallel_for(lambda c, d: inner.append((a, c, d)), 4, 4 * parallel.MIN_CHUNK)

    parallel.parallel_for(outer, 2, 2 * parallel.MIN_CHUNK)
    assert sorted(inner) == [(0, 0, 2), (0, 2, 4), (1, 0, 4)]  # the caller splits, the pool thread does not
