"""``torch.utils`` names: ``chainrule.utils.data`` is ``chainrule.data`` (as ``torch.utils.data``),
so ``from chainrule.utils.data import DataLoader`` works."""
import sys

from .. import data

# importable by that name too, as one module, with its submodules (chainrule.utils.data.sampler, ...)
for _name, _module in list(sys.modules.items()):
    if _name == data.__name__ or _name.startswith(f"{data.__name__}."):
        sys.modules[__name__ + _name[len("chainrule"):]] = _module

__all__ = ["data"]
