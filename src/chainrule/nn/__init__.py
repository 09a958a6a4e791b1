"""``chainrule.nn``: modules, layers and losses with PyTorch's names and state-dict keys."""
from . import functional, init, utils
from .activation import (
    ELU, GELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, ReLU, ReLU6, Sigmoid, SiLU, Softmax,
    Softplus, Tanh,
)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout
from .dropout2d import Dropout2d
from .embedding import Embedding
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, MultiMarginLoss,
    NLLLoss, QuadraticCost, SmoothL1Loss,
)
from .module import Module, Parameter, StateDictError
from .normalization import GroupNorm, LayerNorm
from .parameter_container import ParameterDict, ParameterList
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .upsample import Upsample

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "MultiMarginLoss", "NLLLoss",
    "Parameter", "QuadraticCost", "ReLU", "Sequential", "Sigmoid", "Softmax", "StateDictError",
    "Tanh", "functional", "init", "utils",
]
__all__ += [
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d", "Dropout2d",
    "ELU", "GELU", "Hardtanh", "LogSigmoid", "Mish", "ReLU6", "SiLU", "Softplus",
    "HuberLoss", "KLDivLoss", "L1Loss", "SmoothL1Loss",
    "ConvTranspose2d", "Embedding", "GroupNorm", "LayerNorm", "Upsample",
    "MaxPool2d", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList",
]
__all__ += ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]
