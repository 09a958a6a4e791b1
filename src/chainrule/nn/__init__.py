"""``chainrule.nn``: modules, layers and losses with PyTorch's names and state-dict keys."""
from . import functional, init
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, MultiMarginLoss, NLLLoss,
    QuadraticCost,
)
from .module import Module, Parameter, StateDictError

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "MultiMarginLoss", "NLLLoss",
    "Parameter", "QuadraticCost", "ReLU", "Sequential", "Sigmoid", "Softmax", "StateDictError",
    "Tanh", "functional", "init",
]
