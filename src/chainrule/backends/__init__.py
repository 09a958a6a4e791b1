"""``chainrule.backends``: PyTorch's backend queries (``backends.mps``, ``backends.cudnn``),
answered for a library that runs on the CPU only."""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
