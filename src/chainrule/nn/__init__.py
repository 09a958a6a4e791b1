"""``chainrule.nn``: modules, layers and losses with PyTorch's names and state-dict keys."""
from . import functional, init
from .container import Sequential
from .linear import Identity, Linear
from .module import Module, Parameter, StateDictError

__all__ = [
    "Identity", "Linear", "Module", "Parameter", "Sequential", "StateDictError",
    "functional", "init",
]
