"""chainrule's random generator is process-wide: ``seeded(seed)`` holds it for one model's
initial weights at a time, so two tabs building networks at once each get their seed's weights."""
import threading
from contextlib import contextmanager

from ..random import manual_seed

_lock = threading.Lock()


@contextmanager
def seeded(seed):
    with _lock:
        manual_seed(seed)
        yield
