"""``ParameterList`` and ``ParameterDict``: Parameters held in a list or a dict, as in ``torch.nn``.

Each Parameter is registered on the container under its index or key, so an owner's
``self.weights = ParameterList([...])`` gives state-dict keys ``weights.0``, ``weights.1``.
A Tensor that is not a Parameter is made one (sharing its array), as PyTorch does.
"""
from ..tensor import Tensor
from .container import KeyedContainer, position
from .module import Module, Parameter


def _as_parameter(value, owner):
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{owner}: expected a chainrule.nn.Parameter or Tensor, got {type(value).__name__}")


def _describe(param):
    size = "x".join(str(n) for n in param.shape)
    return f"Parameter containing: [{param.dtype} of size {size or '()'}]"


class ParameterList(Module):
    """A list of Parameters named '0', '1', ...: index, slice, iterate, ``append``,
    ``extend``, ``+=``, ``len``, ``list[i] = p``."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return self._parameters[str(position(index, len(self), "ParameterList"))]

    def __setitem__(self, index, value):
        key = str(position(index, len(self), "ParameterList"))
        self.register_parameter(key, _as_parameter(value, "ParameterList"))

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def __iadd__(self, values):
        return self.extend(values)

    def extra_repr(self):
        return "\n".join(f"({key}): {_describe(p)}" for key, p in self._parameters.items())


class ParameterDict(KeyedContainer):
    """A dict of Parameters keyed by strings (without '.'), in insertion order: ``d[key]``,
    ``d[key] = p``, ``del d[key]``, ``in``, ``len``, iteration over the keys, ``keys()``,
    ``values()``, ``items()``, ``get()``, ``update()``, ``pop()``, ``clear()``."""

    store, kind = "_parameters", "parameter"
    sorts_plain_dicts = True

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    extra_repr = ParameterList.extra_repr
