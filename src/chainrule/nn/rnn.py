"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their one-step cells ``RNNCell``,
``LSTMCell``, ``GRUCell``, with PyTorch's arguments, parameter names, shapes and initialisation.

Every time step is composed of recorded ops (linear, add, mul, sigmoid, tanh, slicing, stack,
cat), so ``backward`` is backpropagation through time: the graph holds one copy of the cell per
step and the engine walks it from the last step to the first.

Shapes (L the sequence length, N the batch size, D = 2 if bidirectional else 1, H_out =
proj_size if proj_size > 0 else hidden_size): input (L, N, input_size), (N, L, input_size) with
``batch_first``, or (L, input_size) unbatched; output (L, N, D * H_out) (batch_first: (N, L, ...));
h_n (D * num_layers, N, H_out) and, for LSTM, c_n (D * num_layers, N, hidden_size), without the N
axis for unbatched input. Packed sequences are not supported.
"""
import math
import warnings

import numpy as np

from .. import ops
from ..autograd.function import ShapeError
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter, layer_dtype

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def rnn_tanh_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h',) with h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh); ``state`` is (h,)."""
    return (ops.tanh(F.linear(x, w_ih, b_ih) + F.linear(state[0], w_hh, b_hh)),)


def rnn_relu_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h',) with h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh); ``state`` is (h,)."""
    return (ops.relu(F.linear(x, w_ih, b_ih) + F.linear(state[0], w_hh, b_hh)),)


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
    """(h', c') from ``state`` (h, c). The 4H rows of the weights are the gates i, f, g, o:
    i = sigmoid(.), f = sigmoid(.), g = tanh(.), o = sigmoid(.) of x W_ih^T + b_ih + h W_hh^T + b_hh;
    c' = f c + i g, h' = o tanh(c'), then h' W_hr^T with a projection (proj_size > 0)."""
    h, c = state
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = ops.chunk(gates, 4, -1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    h = ops.sigmoid(o) * ops.tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr)), c


def gru_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h',) from ``state`` (h,). The 3H rows are the gates r, z, n:
    r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr), z likewise,
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h."""
    h = state[0]
    x_r, x_z, x_n = ops.chunk(F.linear(x, w_ih, b_ih), 3, -1)
    h_r, h_z, h_n = ops.chunk(F.linear(h, w_hh, b_hh), 3, -1)
    r, z = ops.sigmoid(x_r + h_r), ops.sigmoid(x_z + h_z)
    n = ops.tanh(x_n + r * h_n)
    return ((1 - z) * n + z * h,)


_CELLS = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "LSTM": lstm_cell, "GRU": gru_cell}


def _rnn_mode(name, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{name}: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


def _check_input(name, x, weight, input_size, layout):
    """The input must be a Tensor of the weights' dtype (a ValueError otherwise, as in PyTorch)
    with ``input_size`` features."""
    if hasattr(x, "batch_sizes"):
        raise TypeError(f"{name}: packed sequences (PackedSequence) are not supported; pass the padded "
                        f"tensor {layout} instead")
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected the input to be a Tensor, got {type(x).__name__}")
    if x.dtype != weight.dtype:
        raise ValueError(f"{name}: input dtype {x.dtype} does not match the weights' dtype {weight.dtype}; "
                         f"convert the input (x.to({weight.dtype})) or the model (model.to({x.dtype}))")
    if x.shape[-1:] != (input_size,):
        raise ShapeError(f"{name}: input of shape {tuple(x.shape)} does not match input_size={input_size} "
                         f"(expected {layout})")


def _check_state(name, label, state, expected, dtype):
    if not isinstance(state, Tensor):
        raise TypeError(f"{name}: expected {label} to be a Tensor, got {type(state).__name__}")
    if tuple(state.shape) != expected:
        raise ShapeError(f"{name}: {label} of shape {tuple(state.shape)} does not match the input "
                         f"(expected {expected})")
    if state.dtype != dtype:
        raise ValueError(f"{name}: {label} dtype {state.dtype} does not match the weights' dtype {dtype}")


def _time_steps(x, axis):
    """x's slices along ``axis``, one per time step. When x needs a gradient, each half is split
    in turn: backward scatters every slice into zeros of its parent's shape, so splitting by
    halves costs O(L log L) there instead of the O(L^2) of slicing x itself L times."""
    lead, length = (slice(None),) * axis, x.shape[axis]
    if length == 1 or not x.requires_grad:
        return [x[lead + (t,)] for t in range(length)]
    half = length // 2
    return _time_steps(x[lead + (slice(None, half),)], axis) + _time_steps(x[lead + (slice(half, None),)], axis)


def _zeros(shape, dtype):
    return Tensor._make(np.zeros(shape, dtype=dtype), False, None)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, in PyTorch's
    order (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}[, weight_hr_l{k}], then the
    same with the suffix ``_reverse``), and the loop over layers, directions and time steps."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, *, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        dtype = layer_dtype(name, device, dtype)
        for label, value, least in (("hidden_size", hidden_size, 1), ("num_layers", num_layers, 1),
                                    ("proj_size", proj_size, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name}: {label} must be an integer >= {least}, got {value!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a number in [0, 1] (the probability of zeroing an "
                             f"element), got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout acts between recurrent layers, so dropout={dropout} with "
                          "num_layers=1 has no effect", UserWarning, stacklevel=3)
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size is only supported by LSTM")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size ({proj_size}) must be smaller than hidden_size ({hidden_size})")
        self.mode, self.input_size, self.hidden_size = mode, int(input_size), hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bool(bias), bool(batch_first)
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bool(bidirectional), proj_size
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = self.input_size if layer == 0 else out_size * self.num_directions
            for suffix in ("", "_reverse")[:self.num_directions]:
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for kind, shape in shapes:
                    self._flat_weights_names.append(f"{kind}_l{layer}{suffix}")
                    setattr(self, self._flat_weights_names[-1], Parameter(np.empty(shape, dtype=dtype)))
        self.reset_parameters()

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self):
        """The parameters of each layer and direction, as lists in PyTorch's order."""
        per = len(self._flat_weights_names) // (self.num_layers * self.num_directions)
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def reset_parameters(self):
        """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def flatten_parameters(self):
        """Does nothing: PyTorch packs the weights into one buffer for cuDNN; chainrule has none."""

    def _weights(self, layer, direction):
        """[w_ih, w_hh, b_ih, b_hh(, w_hr)] of one layer and direction; None for absent biases."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        kinds = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["weight_hr"] if self.proj_size else [])
        return [None if kind.startswith("bias") and not self.bias else getattr(self, kind + suffix)
                for kind in kinds]

    def _state_shapes(self, batch):
        """The expected shapes of h_0 (and c_0)."""
        lead = (self.num_layers * self.num_directions,) + batch
        shapes = [lead + (self.proj_size or self.hidden_size,)]
        return shapes + [lead + (self.hidden_size,)] if self.mode == "LSTM" else shapes

    def _initial_states(self, hx, batch, dtype):
        """A list of the states tensors (h_0[, c_0]), checked or zeros."""
        name, shapes = type(self).__name__, self._state_shapes(batch)
        if hx is None:
            return [_zeros(shape, dtype) for shape in shapes]
        labels = ("h_0", "c_0")[:len(shapes)]
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTM: expected the initial state as a tuple (h_0, c_0), got {type(hx).__name__}")
            states = list(hx)
        else:
            states = [hx]
        for label, state, shape in zip(labels, states, shapes):
            _check_state(name, label, state, shape, dtype)
        return states

    def forward(self, input, hx=None):
        """(output, h_n) for RNN and GRU, (output, (h_n, c_n)) for LSTM; see the module docstring
        for the shapes. ``hx`` (h_0, or (h_0, c_0) for LSTM) defaults to zeros."""
        name = type(self).__name__
        time_axis = 1 if self.batch_first else 0
        layout = f"(N, L, {self.input_size})" if self.batch_first else f"(L, N, {self.input_size})"
        layout += f" or (L, {self.input_size}) unbatched"
        _check_input(name, input, self.weight_ih_l0, self.input_size, layout)
        if input.ndim not in (2, 3):
            raise ShapeError(f"{name}: expected input of 2 or 3 dims, {layout}, got shape {tuple(input.shape)}")
        if input.ndim == 2:
            time_axis = 0  # unbatched: (L, input_size) whatever batch_first says
        if input.shape[time_axis] == 0:
            raise ShapeError(f"{name}: the input of shape {tuple(input.shape)} has no time steps (L = 0)")
        batch = () if input.ndim == 2 else (input.shape[1 - time_axis],)
        states = self._initial_states(hx, batch, input.dtype)
        steps = _time_steps(input, time_axis)
        cell, finals = _CELLS[self.mode], []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                steps = [F.dropout(x, self.dropout) for x in steps]
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                state, weights = tuple(s[k] for s in states), self._weights(layer, direction)
                outs = [None] * len(steps)
                for t in (reversed(range(len(steps))) if direction else range(len(steps))):
                    state = cell(steps[t], state, *weights)
                    outs[t] = state[0]
                outputs.append(outs)
                finals.append(state)
            steps = outputs[0] if len(outputs) == 1 else [ops.cat(pair, -1) for pair in zip(*outputs)]
        output = ops.stack(steps, time_axis)
        final = [ops.stack(list(s), 0) for s in zip(*finals)]
        return output, (final[0] if self.mode != "LSTM" else tuple(final))

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        for label, value, default in (("num_layers", self.num_layers, 1), ("bias", self.bias, True),
                                      ("batch_first", self.batch_first, False), ("dropout", self.dropout, 0),
                                      ("bidirectional", self.bidirectional, False)):
            if value != default:
                text += f", {label}={value}"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (relu with
    ``nonlinearity='relu'``), stacked ``num_layers`` deep; weights (hidden_size, *)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, *, device=None, dtype=None):
        self.nonlinearity = nonlinearity
        super().__init__(_rnn_mode("RNN", nonlinearity), input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o; weights (4 hidden_size, *)); with ``proj_size`` > 0
    each h_t is projected by weight_hr (proj_size, hidden_size), as in PyTorch."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, *, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n; weights (3 hidden_size, *))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, *, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class RNNCellBase(Module):
    """One time step: weight_ih (G hidden_size, input_size), weight_hh (G hidden_size, hidden_size),
    bias_ih and bias_hh (G hidden_size,), G gates; input (N, input_size) or (input_size,)."""

    def __init__(self, mode, input_size, hidden_size, bias=True, *, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        dtype = layer_dtype(name, device, dtype)
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool) or hidden_size < 1:
            raise ValueError(f"{name}: hidden_size must be an integer >= 1, got {hidden_size!r}")
        self.mode, self.input_size, self.hidden_size, self.bias = mode, int(input_size), hidden_size, bool(bias)
        gate_size = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(np.empty((gate_size, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((gate_size, hidden_size), dtype=dtype))
        self.bias_ih = Parameter(np.empty(gate_size, dtype=dtype)) if bias else None
        self.bias_hh = Parameter(np.empty(gate_size, dtype=dtype)) if bias else None
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def _step(self, input, hx):
        """The new state tuple from the input and ``hx`` (a state tuple, or None for zeros)."""
        name = type(self).__name__
        _check_input(name, input, self.weight_ih, self.input_size,
                     f"(N, {self.input_size}) or ({self.input_size},) unbatched")
        if input.ndim not in (1, 2):
            raise ShapeError(f"{name}: expected input of 1 or 2 dims, (N, {self.input_size}) or "
                             f"({self.input_size},), got shape {tuple(input.shape)}")
        shape = tuple(input.shape[:-1]) + (self.hidden_size,)
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            hx = (_zeros(shape, input.dtype),) * count
        for label, state in zip(("h", "c"), hx):
            _check_state(name, label, state, shape, input.dtype)
        return _CELLS[self.mode](input, tuple(hx), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu); ``forward(input, hx=None)`` -> h'."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *, device=None, dtype=None):
        self.nonlinearity = nonlinearity
        super().__init__(_rnn_mode("RNNCell", nonlinearity), input_size, hidden_size, bias, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        return self._step(input, None if hx is None else (hx,))[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, hx=None)`` with hx = (h, c) -> (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, *, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: expected hx as a tuple (h, c), got {type(hx).__name__}")
        return self._step(input, hx)


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, hx=None)`` -> h'."""

    def __init__(self, input_size, hidden_size, bias=True, *, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step(input, None if hx is None else (hx,))[0]
