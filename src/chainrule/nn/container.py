"""Module containers, as in ``torch.nn``: ``Sequential`` (a chain applied in order),
``ModuleList`` (an indexable list) and ``ModuleDict`` (a dict keyed by strings).

Every module they hold is a registered child, so its parameters appear in ``parameters()``
and in the state dict under the container's name and the module's index or key
(``layers.0.weight``, ``heads.cls.bias``), as in PyTorch.
"""
import operator
from collections import OrderedDict
from collections.abc import Mapping

from .activation import ReLU
from .module import Module
from .pooling import MaxPool2d


def position(index, length, owner):
    """``index`` (negative allowed) as a position in ``range(length)``, or an IndexError naming ``owner``."""
    try:
        index = operator.index(index)
    except TypeError:
        raise TypeError(f"{owner} indices must be integers or slices, got {type(index).__name__}") from None
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for {owner} of length {length}")
    return index % length


def _module_lines(modules):
    """``(i): repr`` lines, consecutive equal reprs grouped as ``(0-2): 3 x Linear(...)`` as PyTorch prints them."""
    lines, start, reprs = [], 0, [repr(m) for m in modules]
    for end in range(1, len(reprs) + 1):
        if end < len(reprs) and reprs[end] == reprs[start]:
            continue
        count, text = end - start, reprs[start]
        label = f"({start})" if count == 1 else f"({start}-{end - 1}): {count} x"
        lines.append(f"{label}: {text}" if count == 1 else f"{label} {text}")
        start = end
    return lines


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: positional access to the children, which are
    renumbered '0', '1', ... after an insertion or a deletion, as in PyTorch."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _renumber(self, modules):
        object.__setattr__(self, "_modules", OrderedDict((str(i), m) for i, m in enumerate(modules)))

    def _key(self, index):
        return list(self._modules)[position(index, len(self), type(self).__name__)]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._slice(list(self._modules.items())[index])
        return self._modules[self._key(index)]

    def __setitem__(self, index, module):
        self.add_module(self._key(index), module)

    def __delitem__(self, index):
        keys = list(self._modules)
        doomed = set(keys[index]) if isinstance(index, slice) else {self._key(index)}
        self._renumber(m for k, m in self._modules.items() if k not in doomed)

    def append(self, module):
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of an iterable."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (``len(self)`` appends)."""
        length = len(self)
        index = length if index == length else position(index, length, type(self).__name__)
        self.add_module(str(length), module)  # checks it is a Module
        children = list(self._modules.values())
        self._renumber(children[:index] + [module] + children[index:-1])

    def pop(self, index=-1):
        """Remove the module at ``index`` and return it."""
        module = self[index]
        del self[index]
        return module

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return self._slice([]).extend(self).extend(other)


class Sequential(_ModuleSequence):
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

    def _slice(self, items):
        return type(self)(OrderedDict(items))

    def forward(self, x):
        """Each module on the last one's output; a ReLU right before a MaxPool2d runs as one
        fused op (the same values and gradients, one full-size pass and array fewer)."""
        modules = iter(self._modules.values())
        for module in modules:
            if type(module) is ReLU and not module._forward_hooks:
                following = next(modules, None)
                if following is None:
                    return module(x)
                if _pools_relu(following):
                    x = following(x, relu_first=True)
                else:
                    x = following(module(x))
            else:
                x = module(x)
        return x


def _pools_relu(module):
    """A MaxPool2d without indices or hooks: it can take the ReLU before it as one op."""
    return type(module) is MaxPool2d and not module.return_indices and not module._forward_hooks


class ModuleList(_ModuleSequence):
    """A list of modules, registered as children '0', '1', ...: index, slice, iterate,
    ``append``, ``extend``, ``insert``, ``pop``, ``del``, ``+=``. It has no forward: the
    owning module's forward decides how to call them."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _slice(self, items):
        return ModuleList(module for _, module in items)

    def __repr__(self):
        if not self._modules:
            return "ModuleList()"
        lines = [line.replace("\n", "\n  ") for line in _module_lines(self._modules.values())]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class KeyedContainer(Module):
    """What ModuleDict and ParameterDict share: a dict interface over one of the module's
    stores (``store``: '_modules' or '_parameters'), in insertion order. Subclasses define
    ``__setitem__`` (which registers the value)."""

    store, kind = "_modules", "module"
    sorts_plain_dicts = False  # ParameterDict, as PyTorch's, takes a plain dict's keys in sorted order

    def __init__(self, entries=None):
        super().__init__()
        if entries is not None:
            self.update(entries)

    def _entries(self):
        return self.__dict__[self.store]

    def __getitem__(self, key):
        try:
            return self._entries()[key]
        except KeyError:
            raise KeyError(f"{type(self).__name__} has no {self.kind} {key!r} "
                           f"(keys: {list(self._entries())})") from None

    def __delitem__(self, key):
        self.pop(key)

    def __len__(self):
        return len(self._entries())

    def __iter__(self):
        return iter(self._entries())

    def __contains__(self, key):
        return key in self._entries()

    def keys(self):
        return self._entries().keys()

    def values(self):
        return self._entries().values()

    def items(self):
        return self._entries().items()

    def get(self, key, default=None):
        return self._entries().get(key, default)

    def pop(self, key):
        value = self[key]
        del self._entries()[key]
        return value

    def clear(self):
        self._entries().clear()

    def update(self, entries):
        """Add (or replace) entries from a mapping or from an iterable of (key, value) pairs."""
        pairs = entries.items() if isinstance(entries, (Mapping, KeyedContainer)) else entries
        if self.sorts_plain_dicts and isinstance(entries, Mapping) and not isinstance(entries, OrderedDict):
            pairs = sorted(pairs)
        for number, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{type(self).__name__}.update: element {number} should be a "
                                f"(key, {self.kind}) pair, got {pair!r}")
            self[pair[0]] = pair[1]


class ModuleDict(KeyedContainer):
    """A dict of modules keyed by strings (without '.'), registered as children in insertion
    order: ``d[key]``, ``d[key] = module``, ``del d[key]``, ``in``, ``len``, iteration over the
    keys, ``keys()``, ``values()``, ``items()``, ``update()``, ``pop()``, ``clear()``."""

    def __setitem__(self, key, module):
        self.add_module(key, module)
