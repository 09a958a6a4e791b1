"""One seeded NumPy Generator shared by every random factory, dropout and shuffling.

A DataLoader worker thread has its own (``set_thread_generator``), as a PyTorch worker
process has its own seed: random transforms there never draw from the training loop's.
"""
import threading

import numpy as np

from .device import resolve_device

_generator = np.random.default_rng()
_thread = threading.local()  # .generator: this thread's own generator, if it has one


def _check_seed(seed):
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")


def manual_seed(seed):
    """Reseed the global generator, like ``torch.manual_seed``; returns the generator."""
    global _generator
    _check_seed(seed)
    if getattr(_thread, "generator", None) is not None:  # in a worker: reseed the worker's own
        _thread.generator = np.random.default_rng(int(seed))
        return _thread.generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator():
    """The global generator, or this thread's own (use it; never cache it: manual_seed and
    set_rng_state replace it)."""
    return getattr(_thread, "generator", None) or _generator


def set_thread_generator(generator):
    """Give the calling thread its own generator (None: back to the global one)."""
    _thread.generator = generator


def get_rng_state():
    """The generator's state as a JSON-serialisable dict."""
    return _generator.bit_generator.state


def set_rng_state(state):
    """Restore a state returned by ``get_rng_state`` (ValueError if it is not one)."""
    global _generator
    _generator = generator_from_state(state)


# bit generators a saved state may name (a state read from a file picks no other attribute)
_BIT_GENERATORS = {name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")}


def generator_from_state(state):
    """A new NumPy Generator in ``state`` (a ``bit_generator.state`` dict, as saved in a
    checkpoint); ValueError naming the problem when it is not one."""
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(kind, str) or kind not in _BIT_GENERATORS:
        raise ValueError(f"unknown generator state {kind!r}")
    bit_generator = _BIT_GENERATORS[kind]()
    key = state.get("state", {}).get("key") if kind == "MT19937" and isinstance(state.get("state"), dict) else None
    if key is not None and np.size(key) != 624:  # NumPy would silently keep a part of it
        raise ValueError(f"malformed MT19937 generator state: its key has {np.size(key)} words, not 624")
    try:
        bit_generator.state = state
    except (KeyError, TypeError, ValueError, OverflowError) as exc:  # Overflow: a word out of range
        raise ValueError(f"malformed {kind} generator state: {exc!r}") from None
    return np.random.Generator(bit_generator)


class Generator(np.random.Generator):
    """``torch.Generator``: a NumPy Generator (so every ``generator=`` argument takes it) with
    PyTorch's methods, e.g. ``random_split(ds, [0.8, 0.2], generator=Generator().manual_seed(42))``.

    ``manual_seed(seed)`` reseeds it and returns it; ``initial_seed()`` is the last seed
    (PyTorch's default 67280421310721 before any); ``seed()`` reseeds it from the OS and
    returns the seed; ``get_state()`` / ``set_state(state)`` are its ``bit_generator.state``
    dict (PyTorch uses a byte tensor). ``device`` must be the CPU.
    """

    DEFAULT_SEED = 67280421310721  # torch.Generator().initial_seed()

    def __init__(self, device="cpu"):
        self.device = resolve_device(device, "Generator")
        self._initial_seed = self.DEFAULT_SEED
        super().__init__(np.random.PCG64(self.DEFAULT_SEED))

    def manual_seed(self, seed):
        _check_seed(seed)
        self.bit_generator.state = np.random.PCG64(int(seed)).state
        self._initial_seed = int(seed)
        return self

    def initial_seed(self):
        return self._initial_seed

    def seed(self):
        seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(seed)
        return seed

    def get_state(self):
        return self.bit_generator.state

    def set_state(self, state):
        self.bit_generator.state = generator_from_state(state).bit_generator.state
        return self
