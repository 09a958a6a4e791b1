"""manual_seed, the shared generator and its state."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import random as cr_random


def test_manual_seed_makes_every_draw_reproducible():
    cr.manual_seed(42)
    first = (cr.rand(3).tolist(), cr_random.default_generator().integers(0, 100, 5).tolist())
    cr.manual_seed(42)
    second = (cr.rand(3).tolist(), cr_random.default_generator().integers(0, 100, 5).tolist())
    assert first == second


def test_rng_state_round_trip():
    cr.manual_seed(0)
    state = cr.get_rng_state()
    a = cr.randn(5).tolist()
    cr.set_rng_state(state)
    assert cr.randn(5).tolist() == a


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_invalid_seeds_are_refused(seed):
    with pytest.raises(ValueError, match="manual_seed: seed must be a non-negative integer"):
        cr.manual_seed(seed)


def test_manual_seed_accepts_numpy_integers():
    assert isinstance(cr.manual_seed(np.int64(7)), np.random.Generator)
