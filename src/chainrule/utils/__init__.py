"""``torch.utils`` names: ``chainrule.utils.data`` is ``chainrule.data`` (as ``torch.utils.data``),
so ``from chainrule.utils.data import DataLoader`` works."""
import sys

from .. import data

sys.modules[f"{__name__}.data"] = data  # importable by that name too, as one module

__all__ = ["data"]
