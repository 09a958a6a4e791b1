"""``chainrule.nn``: modules, layers and losses with PyTorch's names and state-dict keys."""
from . import functional, init
from .container import ModuleList, Sequential
from .linear import Identity, Linear
from .module import Module, Parameter, StateDictError

__all__ = [
    "Identity", "Linear", "Module", "ModuleList", "Parameter", "Sequential", "StateDictError",
    "functional", "init",
]
