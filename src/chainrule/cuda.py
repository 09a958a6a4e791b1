"""``chainrule.cuda``: PyTorch's CUDA queries, answered honestly: there is no CUDA device.

Code that asks (``device = "cuda" if chainrule.cuda.is_available() else "cpu"``) takes its
CPU branch; seeding calls are ignored, as PyTorch ignores them without CUDA.
"""


def is_available():
    """False: chainrule computes on the CPU only."""
    return False


def device_count():
    """0: no CUDA devices."""
    return 0


def manual_seed(seed):
    """Ignored (no CUDA generator), as ``torch.cuda.manual_seed`` is without CUDA; seed with
    ``chainrule.manual_seed``."""


def manual_seed_all(seed):
    """Ignored (no CUDA generators), as ``torch.cuda.manual_seed_all`` is without CUDA."""
