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


def _mt19937_state(key):
    state = np.random.MT19937(0).state
    return {**state, "state": {**state["state"], "key": key}}


def test_set_rng_state_refuses_what_is_not_a_generator_state():
    cr.manual_seed(0)
    before = cr.get_rng_state()
    for state, message in [({"bit_generator": "os.system"}, "unknown generator state 'os.system'"),
                           ({"bit_generator": ["PCG64"]}, "unknown generator state"),
                           ([1, 2], "unknown generator state None"),
                           ({"bit_generator": "PCG64"}, "malformed PCG64 generator state"),
                           (_mt19937_state(key=list(range(2_000_000))), "its key has 2000000 words, not 624"),
                           (_mt19937_state(key=[2 ** 40] * 624), "malformed MT19937 generator state"),
                           ({**before, "state": {**before["state"], "state": 2 ** 300}}, "malformed PCG64")]:
        with pytest.raises(ValueError, match=message):
            cr.set_rng_state(state)
    assert cr.get_rng_state() == before  # unchanged


def test_generator_from_state_rebuilds_other_bit_generators():
    source = np.random.Generator(np.random.MT19937(3))
    state = source.bit_generator.state
    state = {**state, "state": {**state["state"], "key": state["state"]["key"].tolist()}}  # as after JSON
    rebuilt = cr_random.generator_from_state(state)
    assert rebuilt.integers(0, 1000, 5).tolist() == source.integers(0, 1000, 5).tolist()


def test_generator_as_torch_generator():
    import numpy as np
    import pytest

    import chainrule as cr
    from chainrule.data import random_split

    generator = cr.Generator()
    assert isinstance(generator, np.random.Generator) and generator.initial_seed() == 67280421310721
    assert generator.manual_seed(42) is generator and generator.initial_seed() == 42
    assert generator.permutation(6).tolist() == np.random.default_rng(42).permutation(6).tolist()
    parts = random_split(range(10), [0.8, 0.2], generator=cr.Generator().manual_seed(1))
    again = random_split(range(10), [0.8, 0.2], generator=cr.Generator().manual_seed(1))
    assert [p.indices.tolist() for p in parts] == [p.indices.tolist() for p in again]
    state = generator.get_state()
    first = generator.random(3).tolist()
    assert generator.set_state(state).random(3).tolist() == first
    seed = generator.seed()
    assert generator.initial_seed() == seed and 0 <= seed < 2 ** 63
    with pytest.raises(RuntimeError, match="Generator: device 'cuda' is not available"):
        cr.Generator("cuda")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        generator.manual_seed(-1)
