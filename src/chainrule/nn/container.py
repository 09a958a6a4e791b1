"""``Sequential``: a chain of modules applied in order."""
from collections import OrderedDict

from .module import Module


class Sequential(Module):
    """Applies its modules in order; ``Sequential(a, b)`` or ``Sequential(OrderedDict(...))``.

    Children are named '0', '1', ... (or by the dict's keys), so parameters are keyed
    ``'0.weight'``, ``'0.bias'``, ... as in PyTorch.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(OrderedDict(modules[index]))
        try:
            return modules[index][1]
        except IndexError:
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of length {len(self)}") from None

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

