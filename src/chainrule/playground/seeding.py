"""``seeded(seed)``: one model's initial weights drawn from a generator of its own seed, on the
calling thread's own generator, so two tabs building networks at once each get their seed's
weights without waiting for each other or touching the global generator."""
from contextlib import contextmanager

import numpy as np

from ..random import set_thread_generator


@contextmanager
def seeded(seed):
    set_thread_generator(np.random.default_rng(int(seed)), int(seed))
    try:
        yield
    finally:
        set_thread_generator(None, None)
