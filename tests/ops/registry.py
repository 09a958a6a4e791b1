"""Every core op, declared once; tests/ops/test_registry.py runs each entry through the generic tests.

An ``OpEntry`` gives:
- ``fn``: the chainrule call, ``fn(*inputs, **params)``;
- ``ref``: the NumPy reference, ``ref(*arrays, **params)``; its result dtype is the expected one
  (results follow NumPy type promotion);
- ``torch``: the PyTorch equivalent, ``torch(*torch_inputs, **params)``;
- ``samples``: ``samples(rng)`` -> ``Sample``s. Inputs that are NumPy arrays become tensors
  (float ones in the dtype under test); other inputs (Python numbers, strings) pass as they are.
  Shapes cover broadcasting between different ranks and size-1 dims;
- ``diff``: positions of the differentiable inputs; ``()`` for ops that carry no gradient;
- ``errors``: ``ErrorCase``s, each with its inputs, exception type and message fragment.

Adding an op to chainrule means adding its entry here: every generic test then covers it.
"""
import math
from dataclasses import dataclass, field

import numpy as np

import chainrule as cr
from chainrule.autograd.function import ShapeError
from chainrule.nn import functional as F
from chainrule.ops.pooling import relu_max_pool2d


@dataclass(frozen=True)
class Sample:
    inputs: tuple
    params: dict = field(default_factory=dict)
    smooth: bool = True  # False at a kink or tie: no gradcheck, but parity with PyTorch still holds


@dataclass(frozen=True)
class ErrorCase:
    inputs: tuple
    exception: type
    match: str  # a fragment of the message (compared literally)
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpEntry:
    name: str
    fn: object
    ref: object
    torch: object
    samples: object
    diff: tuple = (0,)
    errors: tuple = ()
    gradcheck: bool = True  # False for an output in float32: below gradcheck's precision


def universal(name, expression, samples, **options):
    """An entry whose expression (``x + y``, ``x[i]``) reads the same in chainrule, NumPy and PyTorch."""
    return OpEntry(name, expression, expression, expression, samples, **options)


def fails(*shapes, exception=ValueError, match, **params):
    """An error case on arrays of ones of the given shapes."""
    return ErrorCase(tuple(np.ones(s) for s in shapes), exception, match, params)


def broadcast_error(name):
    return fails((2, 3), (4,), match=f"{name}: shapes (2, 3) and (4,) cannot be broadcast together")


# ---- input generators ------------------------------------------------------------------------
def normal(rng, shape):
    return np.asarray(rng.standard_normal(shape))


def positive(rng, shape):
    return np.asarray(rng.uniform(0.5, 2.0, shape))


def nonzero(rng, shape):
    return np.asarray(positive(rng, shape) * rng.choice([-1.0, 1.0], shape))


def small_integers(rng, shape):
    """Float values in {0, 1, 2}: ties for comparisons."""
    return np.asarray(rng.integers(0, 3, shape), dtype=np.float64)


UNARY_SHAPES = [(), (5,), (2, 3), (2, 1, 3)]
# different ranks, size-1 dims, 0-d against n-d, in both orders
BINARY_SHAPES = [
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 1, 3), (4, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((1,), (3, 1)),
]


def unary(gen=normal, shapes=UNARY_SHAPES):
    return lambda rng: [Sample((gen(rng, s),)) for s in shapes]


def binary(gen_x=normal, gen_y=normal, shapes=BINARY_SHAPES):
    return lambda rng: [Sample((gen_x(rng, a), gen_y(rng, b))) for a, b in shapes]


def with_params(gen, shape, params_list):
    return lambda rng: [Sample((gen(rng, shape),), dict(p)) for p in params_list]


def fixed(*inputs, smooth=True, **params):
    """One sample with the given arrays."""
    return lambda rng: [Sample(tuple(np.asarray(a, dtype=float) for a in inputs), params, smooth)]


# ---- PyTorch, imported only when a parity test calls an entry's ``torch`` ----------------------
def torch_mod():
    import torch

    return torch


def torch_fn(name):
    """``torch.<name>``, looked up when called."""
    return lambda *args, **kwargs: getattr(torch_mod(), name)(*args, **kwargs)


def torch_index(index):
    """A NumPy index with its arrays as torch tensors."""
    if isinstance(index, tuple):
        return tuple(torch_index(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch_mod().from_numpy(index)
    return index


def from_np(c):
    return torch_mod().from_numpy(np.asarray(c))


# ---- arithmetic --------------------------------------------------------------------------------
def _binary_entry(name, op, gen_y=normal):
    return universal(name, op, binary(normal, gen_y), diff=(0, 1), errors=(broadcast_error(name),))


def _constant_samples(rng):
    """x against a NumPy constant ``c`` of another rank (broadcasting both ways)."""
    return [
        Sample((normal(rng, (3,)),), {"c": positive(rng, (2, 3))}),
        Sample((normal(rng, (2, 3)),), {"c": positive(rng, (3,))}),
    ]


def _constant_entries(name, op):
    """``op`` between a tensor and a NumPy array, with the array on either side."""
    return [
        OpEntry(f"{name}_ndarray", lambda x, c: op(x, c), lambda x, c: op(x, c),
                lambda x, c: op(x, from_np(c)), _constant_samples),
        OpEntry(f"r{name}_ndarray", lambda x, c: op(c, x), lambda x, c: op(c, x),
                lambda x, c: op(from_np(c), x), _constant_samples),
    ]


def _pow_scalar_samples(rng):
    return [Sample((positive(rng, s), p)) for s, p in (((2, 3), 2), ((3,), 0.5), ((2, 2), -1.5), ((), 3))]


ARITHMETIC = [
    _binary_entry("add", lambda x, y: x + y),
    _binary_entry("sub", lambda x, y: x - y),
    _binary_entry("mul", lambda x, y: x * y),
    _binary_entry("div", lambda x, y: x / y, gen_y=nonzero),
    OpEntry(
        "add_unsupported", lambda x, y: x + y, None, None, lambda rng: [], diff=(0, 1),
        errors=(
            ErrorCase((np.ones(2), "a"), TypeError, "add: unsupported operand of type str"),
            ErrorCase((np.ones(2), [1.0, 2.0]), TypeError, "add: unsupported operand of type list"),
            ErrorCase((np.ones(2), 1j), TypeError, "add: unsupported operand of type complex"),
        ),
    ),
    universal("pow_scalar", lambda x, p: x ** p, _pow_scalar_samples),
    universal("pow_tensor", lambda x, y: x ** y, binary(positive, normal), diff=(0, 1)),
    universal("pow_tensor_signs", lambda x, y: x ** y,  # d/dy: NaN for x < 0, 0 at x = 0, y >= 0
              fixed([-2.0, 0.0, 0.0, 3.0], [2.0, 2.0, 0.0, 0.5], smooth=False), diff=(0, 1)),
    universal("rpow_scalar", lambda x: 2.5 ** x, unary()),
    universal("neg", lambda x: -x, unary()),
    OpEntry("neg_function", cr.neg, np.negative, torch_fn("neg"), unary()),
    universal("add_python_int", lambda x: x + 2, unary()),
    universal("radd_scalar", lambda x: 2.5 + x, unary()),
    universal("rsub_scalar", lambda x: 2.5 - x, unary()),
    universal("rmul_scalar", lambda x: 2.5 * x, unary()),
    universal("rdiv_scalar", lambda x: 2.5 / x, unary(nonzero)),
    *_constant_entries("add", lambda a, b: a + b),
    *_constant_entries("sub", lambda a, b: a - b),
    *_constant_entries("mul", lambda a, b: a * b),
    *_constant_entries("div", lambda a, b: a / b),
    OpEntry("rpow_ndarray", lambda x, c: c ** x, lambda x, c: c ** x, lambda x, c: from_np(c) ** x, _constant_samples),
]

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3,)),
    ((3,), (2, 3, 2)),
    ((2, 2, 3), (2, 3, 2)),
    ((2, 1, 2, 3), (3, 3, 2)),  # batch dims broadcast: (2, 1) with (3,)
    ((1, 2, 3), (3, 3, 2)),
]

MATMUL = [
    universal(
        "matmul", lambda a, b: a @ b, binary(shapes=MATMUL_SHAPES), diff=(0, 1),
        errors=(
            fails((32, 784), (30, 784), match="matmul: shapes (32, 784) and (30, 784) are not aligned (784 != 30)"),
            fails((3,), (4,), match="matmul: shapes (3,) and (4,) are not aligned (3 != 4)"),
            fails((2, 2, 3), (3, 3, 2),
                  match="matmul: batch dimensions of shapes (2, 2, 3) and (3, 3, 2) cannot be broadcast"),
            fails((), (3,), match="matmul: both operands need at least one dimension"),
        ),
    ),
    OpEntry("matmul_function", cr.matmul, np.matmul, torch_fn("matmul"), binary(shapes=[((2, 3), (3, 2))]),
            diff=(0, 1)),
    OpEntry(
        "rmatmul_ndarray", lambda x, c: c @ x, lambda x, c: c @ x, lambda x, c: from_np(c) @ x,
        lambda rng: [
            Sample((normal(rng, (3, 2)),), {"c": normal(rng, (4, 3))}),
            Sample((normal(rng, (3,)),), {"c": normal(rng, (2, 3))}),
        ],
    ),
]


# ---- element-wise ------------------------------------------------------------------------------
def _unary_entry(name, gen=normal, ref=None):
    return OpEntry(name, getattr(cr, name), ref or getattr(np, name), torch_fn(name), unary(gen))


def _np_sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


ELEMENTWISE = [
    _unary_entry("exp"),
    _unary_entry("log", positive),
    _unary_entry("sqrt", positive),
    _unary_entry("abs", nonzero),
    _unary_entry("sin"),
    _unary_entry("cos"),
    _unary_entry("tanh"),
    _unary_entry("sigmoid", ref=_np_sigmoid),
    OpEntry("sigmoid_extremes", cr.sigmoid, _np_sigmoid, torch_fn("sigmoid"),
            fixed([-1000.0, -100.0, -60.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 60.0, 1000.0])),
    OpEntry("abs_method", lambda x: abs(x), np.abs, lambda x: abs(x), unary(nonzero)),
    OpEntry("exp_method", lambda x: x.exp(), np.exp, lambda x: x.exp(), unary()),
]


# ---- activations and selection ------------------------------------------------------------------
def _np_leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, x * negative_slope)


def _np_clamp(x, min=None, max=None):
    return np.clip(x, min, max)


def _torch_leaky_relu(x, negative_slope=0.01):
    return torch_mod().nn.functional.leaky_relu(x, negative_slope)


def _torch_relu(x):
    return torch_mod().relu(x)


CLAMP_PARAMS = [{"min": -0.5, "max": 0.5}, {"min": -0.3}, {"max": 0.2}]

ACTIVATION = [
    OpEntry("relu", cr.relu, lambda x: np.maximum(x, 0), _torch_relu, unary(nonzero)),
    OpEntry(
        "leaky_relu", cr.leaky_relu, _np_leaky_relu, _torch_leaky_relu,
        lambda rng: [Sample((nonzero(rng, s),), p) for s in ((5,), (2, 3)) for p in ({}, {"negative_slope": 0.2})],
        errors=(
            fails(3, negative_slope=float("inf"), match="leaky_relu: negative_slope must be a finite number, got inf"),
            fails(3, negative_slope="x", exception=TypeError,
                  match="leaky_relu: negative_slope must be a Python number, got str"),
        ),
    ),
    OpEntry(
        "clamp", cr.clamp, _np_clamp, torch_fn("clamp"),
        lambda rng: [Sample((normal(rng, s),), p) for s in ((6,), (2, 3)) for p in CLAMP_PARAMS],
        errors=(
            fails(3, min=float("nan"), match="clamp: min must be a finite number, got nan"),
            fails(3, max=float("inf"), match="clamp: max must be a finite number, got inf"),
            fails(3, match="clamp: at least one of min and max must be given"),
            fails(3, min="a", exception=TypeError, match="clamp: min must be a Python number, got str"),
        ),
    ),
    universal("clip_method", lambda x: x.clip(-0.5, 0.5), unary()),
    OpEntry("clamp_at_bounds", cr.clamp, _np_clamp, torch_fn("clamp"),
            fixed([-1.0, -0.5, 0.0, 0.5, 1.0], min=-0.5, max=0.5, smooth=False)),
    OpEntry("relu_at_zero", cr.relu, lambda x: np.maximum(x, 0), _torch_relu, fixed([-1.0, 0.0, 2.0], smooth=False)),
    OpEntry("abs_at_zero", cr.abs, np.abs, torch_fn("abs"), fixed([-1.0, 0.0, 2.0], smooth=False)),
]

# ---- smooth activations and hardtanh (chainrule.nn.functional) ---------------------------------------
def _np_erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype)


def _np_gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return x * 0.5 * (1 + _np_erf(x / math.sqrt(2)))


def _np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0, x * beta) / beta)


def _np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _torch_functional(name):
    return lambda *args, **kwargs: getattr(torch_mod().nn.functional, name)(*args, **kwargs)


def _wide(rng, shape):
    """Values on both sides of every threshold, none at a kink."""
    return np.asarray(nonzero(rng, shape) * 4)


def _activation_samples(params_list, gen=_wide):
    return lambda rng: [Sample((gen(rng, s),), dict(p)) for s in ((), (7,), (2, 3)) for p in params_list]


SMOOTH_ACTIVATION = [
    OpEntry("gelu", F.gelu, _np_gelu, _torch_functional("gelu"), _activation_samples([{}, {"approximate": "tanh"}]),
            errors=(fails(3, approximate="exact", match="gelu: approximate must be 'none' or 'tanh', got 'exact'"),)),
    OpEntry("silu", F.silu, lambda x: x * _np_sigmoid(x), _torch_functional("silu"), _activation_samples([{}])),
    OpEntry("elu", F.elu, _np_elu, _torch_functional("elu"), _activation_samples([{}, {"alpha": 0.3}]),
            errors=(fails(3, alpha=float("nan"), match="elu: alpha must be a finite number, got nan"),)),
    OpEntry(
        "softplus", F.softplus, _np_softplus, _torch_functional("softplus"),
        _activation_samples([{}, {"beta": 2.0}, {"beta": 0.5, "threshold": 1.0}, {"threshold": 2.0}]),
        errors=(fails(3, beta=0, match="softplus: beta must not be 0"),
                fails(3, threshold="1", exception=TypeError, match="softplus: threshold must be a Python number")),
    ),
    OpEntry("softplus_extremes", F.softplus, _np_softplus, _torch_functional("softplus"),
            fixed([-800.0, -40.0, -1e-3, 1e-3, 19.0, 21.0, 800.0])),
    OpEntry("mish", F.mish, lambda x: x * np.tanh(np.logaddexp(0, x)), _torch_functional("mish"),
            _activation_samples([{}])),
    OpEntry("logsigmoid", F.logsigmoid, lambda x: -np.logaddexp(0, -x), _torch_functional("logsigmoid"),
            _activation_samples([{}])),
    OpEntry("logsigmoid_extremes", F.logsigmoid, lambda x: -np.logaddexp(0, -x), _torch_functional("logsigmoid"),
            fixed([-800.0, -30.0, 0.0, 30.0, 800.0])),
    OpEntry(
        "hardtanh", F.hardtanh, lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
        _torch_functional("hardtanh"), _activation_samples([{}, {"min_val": -0.5, "max_val": 2.0}]),
        errors=(fails(3, min_val=1.0, max_val=0.0,
                      match="hardtanh: min_val (1.0) cannot be greater than max_val (0.0)"),),
    ),
    OpEntry("hardtanh_at_bounds", F.hardtanh, lambda x: np.clip(x, -1, 1), _torch_functional("hardtanh"),
            fixed([-2.0, -1.0, 0.0, 1.0, 2.0], smooth=False)),
]

# ---- embedding, normalization, padding and resizing (chainrule.nn.functional) ------------------------
def _embedding_samples(rng):
    weight = normal(rng, (5, 3))
    return [
        Sample((np.array([[0, 2, 2], [4, 0, 1]]), weight)),
        # the padding row's gradient is 0, and scale_grad_by_freq divides by counts, by
        # definition: not the derivative, so no gradcheck (parity with PyTorch still holds)
        Sample((np.array([1, 1, 3, 0]), weight), {"padding_idx": 1}, smooth=False),
        Sample((np.array(4), weight), {"padding_idx": -1}, smooth=False),
        Sample((np.array([[2, 2, 0]]), weight), {"scale_grad_by_freq": True}, smooth=False),
    ]


def _np_layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    out = centred / np.sqrt((centred ** 2).mean(axis=axes, keepdims=True) + eps)
    return out * (1 if weight is None else weight) + (0 if bias is None else bias)


def _layer_norm_samples(rng):
    return [
        Sample((normal(rng, (3, 4)), normal(rng, (4,)), normal(rng, (4,))), {"normalized_shape": (4,)}),
        Sample((normal(rng, (2, 2, 3)), normal(rng, (2, 3)), normal(rng, (2, 3))), {"normalized_shape": [2, 3]}),
        Sample((normal(rng, (2, 5)),), {"normalized_shape": (5,), "eps": 0.1}),
        Sample((normal(rng, (5,)), normal(rng, (5,))), {"normalized_shape": (5,)}),
    ]


def _np_group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    grouped = _np_layer_norm(x.reshape(x.shape[0], num_groups, -1), (1,), eps=eps).reshape(x.shape)
    channel = (-1,) + (1,) * (x.ndim - 2)
    return grouped * (1 if weight is None else weight.reshape(channel)) + (0 if bias is None else bias.reshape(channel))


def _group_norm_samples(rng):
    return [
        Sample((normal(rng, (2, 4, 3)), normal(rng, (4,)), normal(rng, (4,))), {"num_groups": 2}),
        Sample((normal(rng, (3, 6, 2, 2)), normal(rng, (6,)), normal(rng, (6,))), {"num_groups": 3}),
        Sample((normal(rng, (2, 4)),), {"num_groups": 4}),
        Sample((normal(rng, (1, 2, 5)),), {"num_groups": 1, "eps": 0.5}),
    ]


NUMPY_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _np_pad(x, pad, mode="constant", value=None):
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    pairs = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    cropped = x[tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pairs, x.shape))]
    widths = [(max(b, 0), max(a, 0)) for b, a in pairs]
    extra = {"constant_values": value or 0} if mode == "constant" else {}
    return np.pad(cropped, widths, mode=NUMPY_PAD_MODES[mode], **extra)


def _pad_samples(rng):
    return [Sample((normal(rng, shape),), params) for shape, params in [
        ((2, 5), {"pad": (1, 2)}),
        ((2, 3, 4), {"pad": (1, 0, 2, 1), "value": 1.5}),
        ((2, 5), {"pad": (-1, 2)}),
        ((1, 2, 4), {"pad": (3, 2), "mode": "reflect"}),
        ((1, 2, 3, 4), {"pad": (1, 2, 2, 1), "mode": "reflect"}),
        ((1, 2, 3, 4), {"pad": (2, 3, 1, 0), "mode": "replicate"}),
        ((1, 2, 3), {"pad": (3, 1), "mode": "circular"}),
        ((1, 1, 2, 3), {"pad": (1, 2, 2, 1), "mode": "circular"}),
    ]]


def _interpolate_samples(rng):
    return [
        Sample((normal(rng, (1, 2, 3)),), {"scale_factor": 2}),
        Sample((normal(rng, (2, 1, 2, 3)),), {"scale_factor": (3, 2)}),
        Sample((normal(rng, (1, 2, 4, 6)),), {"size": (2, 3)}),
        Sample((normal(rng, (1, 1, 2, 2, 2)),), {"size": 4}),
    ]


def _np_interpolate(x, size=None, scale_factor=None):
    """Integer up- (repeat) or down-sampling (every k-th) factors: nearest without rounding questions."""
    for axis in range(2, x.ndim):
        n = x.shape[axis]
        factor = scale_factor if size is None else (size if isinstance(size, int) else size[axis - 2]) / n
        factor = factor[axis - 2] if isinstance(factor, tuple) else factor
        x = np.repeat(x, int(factor), axis=axis) if factor >= 1 else np.take(x, range(0, n, int(1 / factor)), axis)
    return x


def _shape_second(fn, name):
    """``fn(x, param, *weight_bias)`` called as ``(x, *weight_bias, param=...)``: the arrays first."""
    return lambda x, *weight_bias, **params: fn(x, params.pop(name), *weight_bias, **params)


def _np_interpolate_linear(x, size=None, scale_factor=None, mode="linear", align_corners=None):
    """np.interp along each spatial axis at PyTorch's source coordinates (sizes that scale
    exactly, so size and scale_factor give the same coordinates)."""
    for axis in range(2, x.ndim):
        n = x.shape[axis]
        m = size[axis - 2] if size is not None else int(n * scale_factor)
        out = np.arange(m, dtype=np.float64)
        source = out * (n - 1) / max(m - 1, 1) if align_corners else np.maximum((out + 0.5) * n / m - 0.5, 0)
        x = np.apply_along_axis(lambda row: np.interp(source, np.arange(n), row), axis, x)
    return x


def _interpolate_linear_samples(rng):
    return [
        Sample((normal(rng, (2, 3, 4)),), {"size": (7,), "mode": "linear"}),
        Sample((normal(rng, (1, 2, 3, 4)),), {"scale_factor": 2, "mode": "bilinear"}),
        Sample((normal(rng, (1, 2, 3, 4)),), {"size": (5, 2), "mode": "bilinear", "align_corners": True}),
        Sample((normal(rng, (1, 1, 2, 3, 2)),), {"size": (3, 3, 4), "mode": "trilinear", "align_corners": False}),
    ]


def _np_cross_entropy_probabilities(x, q, weight=None, reduction="mean", label_smoothing=0.0):
    """PyTorch's documented formula: -sum_c w_c ((1 - eps) q_c + eps / C) log softmax(x)_c per row."""
    smoothed = q * (1 - label_smoothing) + label_smoothing / x.shape[1]
    w = 1 if weight is None else weight.astype(x.dtype)
    per_row = -(_np_log_softmax(x, 1) * smoothed * w).sum(axis=1)
    return {"none": per_row, "sum": per_row.sum(), "mean": per_row.sum() / x.shape[0]}[reduction]


def _torch_cross_entropy(x, q, weight=None, **params):
    return torch_mod().nn.functional.cross_entropy(x, q, None if weight is None else from_np(weight), **params)


def _probability_samples(rng):
    def probabilities(shape):
        scores = rng.standard_normal(shape)
        return np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)

    weight = positive(rng, (4,))
    return [Sample((normal(rng, (3, 4)), probabilities((3, 4))), params) for params in (
        {}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.2},
        {"weight": weight}, {"weight": weight, "label_smoothing": 0.1, "reduction": "none"},
    )] + [Sample((normal(rng, (2, 3)), positive(rng, (2, 3))), {"weight": weight[:3], "reduction": "sum"})]


def _np_relu_max_pool2d(x, kernel_size, stride=None, padding=0):
    """max over each window of relu(x), padding -inf: sliding windows, then ReLU."""
    stride = stride or kernel_size
    pads = [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2
    padded = np.pad(np.maximum(x, 0), pads, constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel_size, kernel_size), axis=(-2, -1))
    return windows[..., ::stride, ::stride, :, :].max(axis=(-2, -1))


def _torch_relu_max_pool2d(x, **params):
    return torch_mod().nn.functional.max_pool2d(torch_mod().relu(x), **params)


def _relu_max_pool2d_samples(rng):
    """Windows without ties (gradchecked), and small integers: ties, windows whose maximum is
    0 or negative (ReLU closes the gate), and overlapping windows."""
    ties = lambda shape: rng.integers(-2, 3, shape).astype(np.float64)  # noqa: E731
    return [
        Sample((normal(rng, (2, 3, 8, 8)),), {"kernel_size": 2}),
        Sample((normal(rng, (1, 2, 7, 9)),), {"kernel_size": 3, "stride": 2, "padding": 1}),
        Sample((normal(rng, (3, 6, 5)),), {"kernel_size": 2, "stride": 1}),
        Sample((ties((2, 3, 8, 8)),), {"kernel_size": 2}, smooth=False),
        Sample((ties((2, 2, 7, 9)),), {"kernel_size": 3, "stride": 2, "padding": 1}, smooth=False),
        Sample((ties((3, 6, 5)),), {"kernel_size": 2, "stride": 1}, smooth=False),
    ]


NN_FUNCTIONAL = [
    OpEntry("relu_max_pool2d", relu_max_pool2d, _np_relu_max_pool2d, _torch_relu_max_pool2d,
            _relu_max_pool2d_samples),
    OpEntry(
        "embedding", F.embedding, lambda i, w, **_: w[i], _torch_functional("embedding"), _embedding_samples,
        diff=(1,),
        errors=(
            ErrorCase((np.array([0.0]), np.ones((3, 2))), TypeError, "embedding: indices must be integers (int64 or int32), got dtype float64"),
            ErrorCase((np.array([1, 3]), np.ones((3, 2))), IndexError, "embedding: index 3 is out of range for 3 embeddings (0..2)"),
            ErrorCase((np.array([1]), np.ones((3, 2))), IndexError, "embedding: padding_idx 3 must be within the 3 embeddings",
                      {"padding_idx": 3}),
        ),
    ),
    OpEntry(
        "layer_norm", _shape_second(F.layer_norm, "normalized_shape"), _shape_second(_np_layer_norm, "normalized_shape"),
        _shape_second(_torch_functional("layer_norm"), "normalized_shape"), _layer_norm_samples,
        diff=(0, 1, 2),
        errors=(
            fails((2, 3), normalized_shape=(2,), match="layer_norm: input of shape (2, 3) does not end with normalized_shape (2,)"),
            fails((2, 3), (2,), normalized_shape=(3,), match="layer_norm: weight of shape (2,) does not match (3,)"),
        ),
    ),
    OpEntry(
        "group_norm", _shape_second(F.group_norm, "num_groups"), _shape_second(_np_group_norm, "num_groups"),
        _shape_second(_torch_functional("group_norm"), "num_groups"), _group_norm_samples,
        diff=(0, 1, 2),
        errors=(fails((2, 3, 2), num_groups=2,
                      match="group_norm: input of shape (2, 3, 2) must be (N, C, *) with C divisible by num_groups 2"),),
    ),
    OpEntry(
        "pad", F.pad, _np_pad, _torch_functional("pad"), _pad_samples,
        errors=(
            fails((2, 3), pad=(1,), match="pad: expected an even number of integers"),
            fails((1, 2, 3), pad=(3, 0), mode="reflect", match="pad: reflect padding (3, 0) is too large"),
            fails((1, 2, 3), pad=(1, 1), mode="wrap", match="pad: mode must be one of 'constant', 'reflect'"),
            fails((2, 3), pad=(-2, -2), match="pad: padding (-2, -2) would make a negative size"),
        ),
    ),
    OpEntry(
        "interpolate", F.interpolate, _np_interpolate, _torch_functional("interpolate"), _interpolate_samples,
        errors=(
            fails((1, 1, 4), size=2, scale_factor=2, match="interpolate: give exactly one of size and scale_factor"),
            fails((1, 1, 4), size=2, mode="bicubic", match="interpolate: mode 'bicubic' is not supported"),
            fails((4,), size=2, exception=ShapeError, match="interpolate: mode 'nearest' expects an input (N, C, *spatial)"),
        ),
    ),
    OpEntry(
        "interpolate_linear", F.interpolate, lambda x, **p: _np_interpolate_linear(x, **p).astype(x.dtype),
        _torch_functional("interpolate"), _interpolate_linear_samples,
        errors=(
            fails((1, 1, 4), size=3, mode="bilinear", exception=ShapeError,
                  match="interpolate: mode 'bilinear' expects an input (N, C, *spatial) with 2 spatial dims"),
            fails((1, 1, 4), size=3, align_corners=True, match="interpolate: align_corners only applies to the linear modes"),
        ),
    ),
    OpEntry(  # float targets of the input's shape: class probabilities (soft labels), as PyTorch takes them
        "cross_entropy_probabilities", F.cross_entropy, _np_cross_entropy_probabilities, _torch_cross_entropy,
        _probability_samples, diff=(0, 1),
        errors=(
            fails((2, 3), (2, 3), ignore_index=1, match="cross_entropy: ignore_index=1 is not supported for "
                                                         "class-probability targets"),
            fails((3,), (3,), exception=ShapeError, match="cross_entropy: class-probability targets need input (N, C) "
                                                          "and a target of the same shape, got input of shape (3,)"),
        ),
    ),
    OpEntry(  # docs/math.md's C = 1/(2N) sum ||a - y||^2, a one-hot (or any float) target of the output's shape
        "quadratic_cost", F.quadratic_cost, lambda a, y: ((a - y) ** 2).sum() * (0.5 / len(a)),
        lambda a, y: torch_mod().nn.functional.mse_loss(a, y, reduction="sum") * (0.5 / len(a)),
        lambda rng: [Sample((normal(rng, (4, 3)), normal(rng, (4, 3)))), Sample((normal(rng, (1, 10)), normal(rng, (1, 10))))],
        diff=(0, 1),
        errors=(
            fails((2, 3), (3, 2), exception=ShapeError,
                  match="quadratic_cost: target of shape (3, 2) does not match input of shape (2, 3)"),
            fails((6,), (6,), match="quadratic_cost: output must have shape (N, C), got (6,)"),
        ),
    ),
]

WHERE_SHAPES = [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)), ((3,), (2, 3), ()), ((2, 1), (1, 3), (3,))]

SELECTION = [
    OpEntry("maximum", cr.maximum, np.maximum, torch_fn("maximum"), binary(), diff=(0, 1),
            errors=(broadcast_error("maximum"),)),
    OpEntry("minimum", cr.minimum, np.minimum, torch_fn("minimum"), binary(), diff=(0, 1)),
    OpEntry("maximum_ties", cr.maximum, np.maximum, torch_fn("maximum"),
            fixed([1.0, 2.0, 3.0], [1.0, 0.0, 3.0], smooth=False), diff=(0, 1)),
    OpEntry("max_binary", lambda x, y: cr.max(x, y), np.maximum, torch_fn("max"), binary(), diff=(0, 1)),
    OpEntry(
        "where", cr.where, np.where, torch_fn("where"),
        lambda rng: [Sample((rng.random(c) > 0.5, normal(rng, a), normal(rng, b))) for c, a, b in WHERE_SHAPES],
        diff=(1, 2),
        errors=(ErrorCase((np.ones(2, bool), np.ones(3), np.ones(2)), ValueError,
                          "where: shapes (2,), (3,) and (2,) cannot be broadcast together"),),
    ),
    OpEntry(
        # 0 in x's dtype: NumPy 2's np.where(c, x, 0.0), which NumPy 1.26 (even in its
        # weak promotion state) would widen to float64
        "where_scalar", lambda c, x: cr.where(c, x, 0.0), lambda c, x: np.where(c, x, x.dtype.type(0)),
        lambda c, x: torch_mod().where(c, x, 0.0),
        lambda rng: [Sample((rng.random((2, 3)) > 0.5, normal(rng, (2, 3))))], diff=(1,),
    ),
]


# ---- reductions ----------------------------------------------------------------------------------
def _torch_reduce(name):
    def reduce(x, dim=None, keepdim=False):
        fn = getattr(torch_mod(), name)
        return fn(x) if dim is None and not keepdim else fn(x, dim=dim, keepdim=keepdim)

    return reduce


def _np_reduce(fn):
    return lambda x, dim=None, keepdim=False: fn(x, axis=dim, keepdims=keepdim)


REDUCE_PARAMS = [{}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"dim": (0, 2)}, {"dim": (0, 1, 2), "keepdim": True}]


def _reduction_entry(name, np_fn):
    return OpEntry(
        name, getattr(cr, name), _np_reduce(np_fn), _torch_reduce(name), with_params(normal, (2, 3, 2), REDUCE_PARAMS),
        errors=(fails((2, 3), dim=2, exception=IndexError,
                      match=f"{name}: dim 2 is out of range for a tensor with 2 dimensions"),),
    )


def _np_logsumexp(x, dim=None, keepdim=False):
    m = np.max(x, axis=dim, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dim)


def _np_var(x, dim=None, keepdim=False, correction=1):
    return np.var(x, axis=dim, keepdims=keepdim, ddof=correction)


def _np_argmax(x, dim=None, keepdim=False):
    return np.argmax(x) if dim is None else np.argmax(x, axis=dim, keepdims=keepdim)


def _dim_entries(name):
    """max/min over all elements, and along a dim: the values (differentiable) and the indices."""
    np_arg = getattr(np, f"arg{name}")

    def np_values(x, dim, keepdim=False):
        values = np.take_along_axis(x, np.expand_dims(np_arg(x, axis=dim), dim), dim)
        return values if keepdim else np.squeeze(values, axis=dim)

    def np_indices(x, dim, keepdim=False):
        return np_arg(x, axis=dim, keepdims=keepdim)

    def torch_result(field):
        return lambda x, dim, keepdim=False: getattr(getattr(torch_mod(), name)(x, dim, keepdim), field)

    def chainrule_result(field):
        return lambda x, dim, keepdim=False: getattr(getattr(cr, name)(x, dim, keepdim=keepdim), field)

    samples = with_params(normal, (3, 4), [{"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": -1}])
    return [
        OpEntry(f"{name}_dim_values", chainrule_result("values"), np_values, torch_result("values"), samples),
        OpEntry(f"{name}_dim_indices", chainrule_result("indices"), np_indices, torch_result("indices"), samples,
                diff=()),
        OpEntry(
            f"{name}_all", getattr(cr, name), getattr(np, name), torch_fn(name), unary(shapes=[(5,), (2, 3)]),
            errors=(
                fails((0, 3), match=f"{name}: cannot reduce an empty tensor"),
                fails((2, 3), dim=(0, 1), exception=TypeError, match=f"{name}: dim must be one int"),
            ),
        ),
        OpEntry(f"{name}_all_ties", getattr(cr, name), getattr(np, name), torch_fn(name),
                fixed([[1.0, -3.0, 3.0], [-3.0, 3.0, 0.0]], smooth=False)),
    ]


VAR_PARAMS = [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"correction": 0}, {"dim": (0, 1), "correction": 2}]

REDUCTION = [
    _reduction_entry("sum", np.sum),
    _reduction_entry("mean", np.mean),
    OpEntry("logsumexp", cr.logsumexp, _np_logsumexp, torch_fn("logsumexp"),
            with_params(normal, (2, 3, 2), REDUCE_PARAMS[1:])),
    OpEntry("logsumexp_large", cr.logsumexp, _np_logsumexp, torch_fn("logsumexp"),
            lambda rng: [Sample((normal(rng, (2, 3)) * 400,), {"dim": 1})]),
    OpEntry("var", cr.var, _np_var, torch_fn("var"), with_params(normal, (3, 4), VAR_PARAMS),
            errors=(fails((2, 3), dim=-3, exception=IndexError, match="var: dim -3 is out of range"),)),
    OpEntry("sum_numpy_names", lambda x: cr.sum(x, axis=1, keepdims=True), lambda x: np.sum(x, axis=1, keepdims=True),
            lambda x: x.sum(1, keepdim=True), unary(shapes=[(2, 3)])),
    universal("mean_method", lambda x: x.mean(0), unary(shapes=[(2, 3)])),
    OpEntry("argmax", cr.argmax, _np_argmax, torch_fn("argmax"),
            with_params(normal, (3, 4), [{}, {"dim": 0}, {"dim": 1, "keepdim": True}]), diff=(),
            errors=(fails((2, 3), dim=2, exception=IndexError, match="argmax: dim 2 is out of range"),)),
    OpEntry("argmin", cr.argmin, lambda x, dim=None: np.argmin(x, axis=dim), torch_fn("argmin"),
            with_params(normal, (3, 4), [{}, {"dim": -1}]), diff=()),
    *_dim_entries("max"),
    *_dim_entries("min"),
]


# ---- softmax ----------------------------------------------------------------------------------------
def _torch_softmax(name):
    return lambda x, dim=-1: getattr(torch_mod(), name)(x, dim)


def _np_log_softmax(x, dim=-1):
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def _softmax_samples(rng):
    return [
        Sample((normal(rng, (2, 5)),)),
        Sample((normal(rng, (2, 5)),), {"dim": 0}),
        Sample((normal(rng, (2, 3, 2)),), {"dim": 1}),
        Sample((normal(rng, (3, 4)) * 300,), {"dim": 1}),  # stable: no overflow
    ]


SOFTMAX = [
    OpEntry("softmax", cr.softmax, lambda x, dim=-1: np.exp(_np_log_softmax(x, dim)), _torch_softmax("softmax"),
            _softmax_samples,
            errors=(fails((2, 3), dim=2, exception=IndexError, match="softmax: dim 2 is out of range"),)),
    OpEntry("log_softmax", cr.log_softmax, _np_log_softmax, _torch_softmax("log_softmax"), _softmax_samples,
            errors=(fails((), exception=IndexError,
                          match="log_softmax: dim=-1 needs a tensor with at least one dimension"),)),
]


# ---- shape ops -----------------------------------------------------------------------------------------
def _np_flatten(x, start_dim=0, end_dim=-1):
    shape = x.shape
    start, end = start_dim % len(shape), end_dim % len(shape)
    return x.reshape(shape[:start] + (-1,) + shape[end + 1:])


def _np_squeeze(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    dims = dim if isinstance(dim, tuple) else (dim,)
    return np.squeeze(x, axis=tuple(d for d in dims if x.shape[d] == 1))


def _np_expand(x, sizes):
    lead = len(sizes) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)))


def _cat_samples(rng):
    return [
        Sample((normal(rng, (2, 3)), normal(rng, (1, 3))), {"dim": 0}),
        Sample((normal(rng, (2, 3)), normal(rng, (2, 1)), normal(rng, (2, 2))), {"dim": 1}),
        Sample((normal(rng, (2, 1, 2)), normal(rng, (2, 3, 2))), {"dim": -2}),
    ]


def _stack_samples(rng):
    return [
        Sample((normal(rng, (2, 3)), normal(rng, (2, 3))), {"dim": 0}),
        Sample((normal(rng, (2, 3)), normal(rng, (2, 3)), normal(rng, (2, 3))), {"dim": 2}),
        Sample((normal(rng, (3,)), normal(rng, (3,))), {"dim": -1}),
    ]


RESHAPES = [{"shape": (3, 2)}, {"shape": (-1,)}, {"shape": (1, 6, 1)}, {"shape": (2, -1, 3)}]
FLATTENS = [{}, {"start_dim": 1}, {"start_dim": 0, "end_dim": 1}, {"start_dim": -2, "end_dim": -1}]
UNSQUEEZES = [((2, 3), 0), ((2, 3), -1), ((2, 3), 1), ((), 0)]
EXPANDS = [((3, 1), (2, 3, 4)), ((3, 1), (-1, 4)), ((), (2, 2)), ((1, 2), (3, 1, -1))]

SHAPE = [
    universal(
        "reshape", lambda x, shape: x.reshape(shape), with_params(normal, (2, 3), RESHAPES),
        errors=(
            fails((2, 3), shape=(4, 2), match="reshape: cannot reshape a tensor of shape (2, 3) into (4, 2)"),
            fails((2, 3), shape=(3, 2.0), exception=TypeError,
                  match="reshape: sizes must be integers, got 2.0 of type float in (3, 2.0)"),
        ),
    ),
    OpEntry("reshape_function", lambda x: cr.reshape(x, (3, 2)), lambda x: x.reshape(3, 2),
            lambda x: x.reshape(3, 2), unary(shapes=[(2, 3)])),
    OpEntry("view", lambda x: x.view(3, -1), lambda x: x.reshape(3, -1), lambda x: x.view(3, -1),
            unary(shapes=[(2, 3), (6,)])),
    OpEntry("flatten", cr.flatten, _np_flatten, torch_fn("flatten"), with_params(normal, (2, 3, 2), FLATTENS)),
    OpEntry(
        "transpose", cr.transpose, lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1), torch_fn("transpose"),
        with_params(normal, (2, 3, 4), [{"dim0": 0, "dim1": 1}, {"dim0": -1, "dim1": 0}, {"dim0": 2, "dim1": 2}]),
        errors=(fails((2, 3), dim0=0, dim1=5, exception=IndexError,
                      match="transpose: dim 5 is out of range for a tensor with 2 dimensions"),),
    ),
    OpEntry(
        "permute", lambda x, dims: x.permute(*dims), lambda x, dims: np.transpose(x, dims),
        lambda x, dims: x.permute(*dims),
        with_params(normal, (2, 3, 4), [{"dims": (2, 0, 1)}, {"dims": (0, 1, 2)}, {"dims": (-1, -3, -2)}]),
        errors=(
            fails((2, 3), dims=(0, 0), match="permute: (0, 0) is not a permutation of the 2 dims"),
            fails((2, 3), dims=(True, 0), exception=TypeError,
                  match="permute: dims must be integers, got True of type bool in (True, 0)"),
        ),
    ),
    universal("T", lambda x: x.T, unary(shapes=[(2, 3), (3, 1)])),
    OpEntry(
        "squeeze", cr.squeeze, _np_squeeze, torch_fn("squeeze"),
        with_params(normal, (1, 3, 1, 2), [{}, {"dim": 0}, {"dim": 2}, {"dim": 1}, {"dim": (0, 2)}, {"dim": -2}]),
        errors=(fails((1, 3), dim=2, exception=IndexError, match="squeeze: dim 2 is out of range"),),
    ),
    OpEntry(
        "unsqueeze", cr.unsqueeze, lambda x, dim: np.expand_dims(x, dim), torch_fn("unsqueeze"),
        lambda rng: [Sample((normal(rng, s),), {"dim": d}) for s, d in UNSQUEEZES],
        errors=(fails((2, 3), dim=3, exception=IndexError,
                      match="unsqueeze: dim 3 is out of range for a tensor with 3 dimensions"),),
    ),
    OpEntry(
        "expand", lambda x, sizes: x.expand(*sizes), _np_expand, lambda x, sizes: x.expand(*sizes),
        lambda rng: [Sample((normal(rng, s),), {"sizes": sizes}) for s, sizes in EXPANDS],
        errors=(
            fails((2, 3), sizes=(4, 3), match="expand: cannot expand a tensor of shape (2, 3) to (4, 3)"),
            fails((2, 3), sizes=(3,), match="expand: (3,) has fewer dims than the tensor's shape (2, 3)"),
            fails((1,), sizes=(2.7,), exception=TypeError, match="expand: sizes must be integers, got 2.7"),
        ),
    ),
    OpEntry(
        "cat", lambda *xs, dim: cr.cat(xs, dim), lambda *xs, dim: np.concatenate(xs, dim),
        lambda *xs, dim: torch_mod().cat(xs, dim), _cat_samples, diff=(0, 1, 2),
        errors=(
            fails((2, 3), (3, 2), dim=0, match="cat: cannot join shapes (2, 3), (3, 2) along dim 0"),
            fails((2, 3), (3,), dim=1, match="cat: cannot join shapes (2, 3), (3,) along dim 1"),
        ),
    ),
    OpEntry(
        "stack", lambda *xs, dim: cr.stack(xs, dim), lambda *xs, dim: np.stack(xs, dim),
        lambda *xs, dim: torch_mod().stack(xs, dim), _stack_samples, diff=(0, 1, 2),
        errors=(fails((2, 3), (3, 2), dim=0, match="stack: expects tensors of one shape, got (2, 3), (3, 2)"),),
    ),
]


# ---- indexing ------------------------------------------------------------------------------------------
INDICES = [
    1,
    -1,
    (slice(None), 2),
    (slice(1, None), slice(None, None, 2)),
    (Ellipsis, None, slice(1, None)),
    (1, slice(0, 3)),
    np.array([0, 2, 0, 0]),  # repeated rows: their gradients add
    (np.array([0, 1, 1, 2]), np.array([3, 0, 0, 3])),  # repeated (row, col) pairs
    (slice(None), np.array([1, 1, 0])),
    np.array([[0, 1], [1, 1]]),
    np.array([True, False, True]),  # a row mask
    (slice(None), np.array([-1, -1])),
]


def _getitem_samples(rng):
    samples = [Sample((normal(rng, (3, 4)),), {"index": i}) for i in INDICES]
    data = normal(rng, (3, 4))
    samples.append(Sample((data,), {"index": data > 0}))  # a full boolean mask
    return samples


def _tensor_index_samples(rng):
    return [
        Sample((normal(rng, (4, 2)),), {"index": np.array([3, 0, 3])}),
        Sample((normal(rng, (3,)),), {"index": np.array([True, False, True])}),
    ]


INDEXING = [
    OpEntry(
        "getitem", lambda x, index: x[index], lambda x, index: x[index], lambda x, index: x[torch_index(index)],
        _getitem_samples,
        errors=(
            fails((2, 3), index=5, exception=IndexError, match="getitem: index 5 is out of bounds"),
            fails((2, 3), index=np.array([0, 7]), exception=IndexError, match="getitem: index 7 is out of bounds"),
        ),
    ),
    OpEntry(  # torch has no negative steps: flip
        "getitem_negative_step", lambda x: x[..., None, ::-1], lambda x: x[..., None, ::-1],
        lambda x: x[..., None, :].flip(-1), unary(shapes=[(3,), (2, 3)]),
    ),
    OpEntry("getitem_tensor_index", lambda x, index: x[cr.tensor(index)], lambda x, index: x[index],
            lambda x, index: x[torch_index(index)], _tensor_index_samples),
    universal("getitem_list_index", lambda x: x[[0, 2, 2]], unary(shapes=[(3,), (3, 2)])),
]


# ---- comparisons (no gradient) and casts --------------------------------------------------------------------
def _comparison_entry(name, op):
    return universal(name, op, binary(small_integers, small_integers), diff=(), errors=(broadcast_error(name),))


COMPARE = [
    _comparison_entry("eq", lambda x, y: x == y),
    _comparison_entry("ne", lambda x, y: x != y),
    _comparison_entry("lt", lambda x, y: x < y),
    _comparison_entry("le", lambda x, y: x <= y),
    _comparison_entry("gt", lambda x, y: x > y),
    _comparison_entry("ge", lambda x, y: x >= y),
    universal("gt_scalar", lambda x: x > 0.5, unary(), diff=()),
    OpEntry("eq_function", cr.eq, np.equal, torch_fn("eq"), binary(small_integers, small_integers), diff=()),
]

CAST = [
    OpEntry("to_float64", lambda x: x.to("float64"), lambda x: x.astype(np.float64),
            lambda x: x.to(torch_mod().float64), unary()),
    OpEntry("double", lambda x: x.double(), lambda x: x.astype(np.float64), lambda x: x.double(), unary()),
    OpEntry("float", lambda x: x.float(), lambda x: x.astype(np.float32), lambda x: x.float(), unary(),
            gradcheck=False),
    OpEntry("to_int64", lambda x: x.long(), lambda x: x.astype(np.int64), lambda x: x.long(), unary(), diff=()),
]


# ---- the rest of PyTorch's Tensor API (issue 11, item 6) --------------------------------------------------
def _np_norm(x, p="fro", dim=None, keepdim=False):
    p = 2.0 if p == "fro" else p
    magnitude = np.abs(x)
    if p == 0:
        return np.sum(x != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    if np.isinf(p):
        return (np.max if p > 0 else np.min)(magnitude, axis=dim, keepdims=keepdim)
    return np.sum(magnitude ** p, axis=dim, keepdims=keepdim) ** x.dtype.type(1 / p)


def _torch_norm(x, p="fro", dim=None, keepdim=False):
    return torch_mod().norm(x, p=p, dim=dim, keepdim=keepdim)


NORM_PARAMS = [
    {}, {"p": 1}, {"p": 3, "dim": 1}, {"p": float("inf"), "dim": 0}, {"p": -float("inf")}, {"p": 0.5, "dim": -1},
    {"dim": (0, 1), "keepdim": True}, {"p": "fro", "dim": 1}, {"p": 2, "dim": 0, "keepdim": True},
]


def _np_std(x, dim=None, keepdim=False, correction=1):
    return np.std(x, axis=dim, keepdims=keepdim, ddof=correction)


def _np_any_all(fn):
    return lambda x, dim=None, keepdim=False: fn(x != 0, axis=dim, keepdims=keepdim)


REDUCTION_API = [
    OpEntry("norm", cr.norm, _np_norm, _torch_norm, with_params(nonzero, (3, 4), NORM_PARAMS),
            errors=(fails((2, 3), p="nuc", match="norm: p must be a number or 'fro', got 'nuc'"),
                    fails((2, 3), dim=2, exception=IndexError, match="norm: dim 2 is out of range"))),
    OpEntry("norm_at_zero", cr.norm, _np_norm, _torch_norm, fixed([[0.0, 0.0], [3.0, -4.0]], dim=1, smooth=False)),
    OpEntry("norm_method", lambda x: x.norm(), np.linalg.norm, lambda x: x.norm(), unary(shapes=[(3,), (2, 3)])),
    OpEntry("std", cr.std, _np_std, torch_fn("std"), with_params(normal, (3, 4), VAR_PARAMS)),
    OpEntry("any", cr.any, _np_any_all(np.any), _torch_reduce("any"),
            with_params(small_integers, (2, 3, 2), REDUCE_PARAMS), diff=()),
    OpEntry("all", cr.all, _np_any_all(np.all), _torch_reduce("all"),
            with_params(small_integers, (2, 3, 2), REDUCE_PARAMS), diff=()),
]


def _unary_api_entry(name, gen=normal):
    return OpEntry(name, getattr(cr, name), getattr(np, name), torch_fn(name), unary(gen))


def _np_round(x, decimals=0):
    return np.round(x, decimals)


def _torch_round(x, decimals=0):
    return torch_mod().round(x, decimals=decimals)


SPECIAL_VALUES = [-np.inf, -1.5, 0.0, np.nan, 2.0, np.inf]

ELEMENTWISE_API = [
    _unary_api_entry("log1p", positive),
    _unary_api_entry("expm1"),
    _unary_api_entry("square"),
    OpEntry("log1p_small", cr.log1p, np.log1p, torch_fn("log1p"), fixed([1e-12, -1e-9, 1e-5])),
    OpEntry("round", cr.round, _np_round, _torch_round,
            lambda rng: [Sample((normal(rng, (2, 3)) * 10,), p) for p in ({}, {"decimals": 1}, {"decimals": -1})]),
    OpEntry("round_halves_to_even", cr.round, np.round, torch_fn("round"), fixed([-2.5, -0.5, 0.5, 1.5, 2.5]),
            gradcheck=False),
    OpEntry("isnan", cr.isnan, np.isnan, torch_fn("isnan"), fixed(SPECIAL_VALUES), diff=()),
    OpEntry("isinf", cr.isinf, np.isinf, torch_fn("isinf"), fixed(SPECIAL_VALUES), diff=()),
    OpEntry("isfinite", cr.isfinite, np.isfinite, torch_fn("isfinite"), fixed(SPECIAL_VALUES), diff=()),
    universal("floordiv", lambda x, y: x // y, binary(normal, nonzero), diff=(), errors=(broadcast_error("floordiv"),)),
    universal("rfloordiv_scalar", lambda x: 2.5 // x, unary(nonzero), diff=()),
]


def _np_masked_fill(x, mask, value):
    return np.where(mask, x.dtype.type(value), x)


def _torch_masked_fill(x, mask, value):
    return x.masked_fill(mask, value)


def _masked_fill_samples(rng):
    return [Sample((normal(rng, (2, 3)), rng.random(m) > 0.5), {"value": v})
            for m, v in (((2, 3), 0.0), ((3,), -1e9), ((2, 1), 2.5))]


def _along(x, index, dim):
    """x cut to index's size at every dim but ``dim`` (torch.gather/scatter read only that part)."""
    return tuple(slice(None) if d == dim % x.ndim else slice(0, n) for d, n in enumerate(index.shape))


def _np_gather(x, dim, index):
    return np.take_along_axis(x[_along(x, index, dim)], index, dim)


def _np_scatter(x, src, dim, index):
    out = x.astype(np.result_type(x, src))
    values = src[tuple(slice(0, n) for n in index.shape)] if np.ndim(src) else src
    np.put_along_axis(out[_along(x, index, dim)], index, values, dim)
    return out


def _gather_samples(rng):
    x = normal(rng, (3, 4))
    return [
        Sample((x,), {"dim": 0, "index": np.array([[0, 2, 2, 1], [0, 0, 1, 2]])}),  # repeats add up
        Sample((x,), {"dim": 1, "index": np.array([[3, 0], [1, 1], [2, 0]])}),
        Sample((x,), {"dim": -1, "index": np.array([[1, 2, 3], [0, 0, 0]])}),  # smaller at dim 0
        Sample((normal(rng, (2, 3, 2)),), {"dim": 1, "index": np.array([[[2, 0]], [[1, 1]]])}),
    ]


def _scatter_samples(rng):
    # no two src elements write one position: PyTorch leaves the order of such writes undefined
    return [
        Sample((normal(rng, (3, 4)), normal(rng, (2, 4))), {"dim": 0, "index": np.array([[0, 2, 1, 1], [2, 0, 0, 2]])}),
        Sample((normal(rng, (3, 4)), normal(rng, (3, 2))), {"dim": 1, "index": np.array([[3, 0], [1, 2], [0, 1]])}),
    ]


def _torch_gather(x, dim, index):
    return torch_mod().gather(x, dim, from_np(index))


def _torch_scatter(x, src, dim, index):
    return torch_mod().scatter(x, dim, from_np(index), src)


INDEXING_API = [
    OpEntry("masked_fill", cr.masked_fill, _np_masked_fill, _torch_masked_fill, _masked_fill_samples,
            errors=(ErrorCase((np.ones(3), np.ones(3)), TypeError, "masked_fill: mask must be a bool tensor, got "
                              "dtype float64", {"value": 0.0}),)),
    OpEntry("gather", cr.gather, _np_gather, _torch_gather, _gather_samples,
            errors=(
                fails((2, 3), dim=1, index=np.array([[3], [0]]), exception=IndexError,
                      match="gather: index 3 is out of bounds for dim 1 with size 3"),
                fails((2, 3), dim=1, index=np.array([0, 1]), match="gather: index of shape (2,) must have as many "
                      "dims as the tensor of shape (2, 3)"),
                fails((2, 3), dim=0, index=np.zeros((3, 1)), exception=TypeError,
                      match="gather: index must be an integer tensor, got dtype float64"),
            )),
    OpEntry("scatter", lambda x, src, dim, index: cr.scatter(x, dim, index, src), _np_scatter, _torch_scatter, _scatter_samples, diff=(0, 1),
            errors=(ErrorCase((np.ones((2, 3)), np.ones((1, 1))), ValueError, "scatter: src of shape (1, 1) must have",
                              {"dim": 0, "index": np.zeros((1, 2), dtype=np.int64)}),)),
    OpEntry("scatter_value", lambda x, dim, index, value: x.scatter(dim, index, value),
            lambda x, dim, index, value: _np_scatter(x, np.asarray(value, x.dtype), dim, index),
            lambda x, dim, index, value: x.scatter(dim, from_np(index), value),
            with_params(normal, (3, 4), [{"dim": 1, "index": np.array([[0], [3], [1]]), "value": -1.0}])),
]


def _np_sort(x, dim=-1, descending=False, stable=False):
    out = np.sort(x, axis=dim, kind="stable")
    return np.flip(out, dim) if descending else out


def _np_topk_indices(x, k, dim=-1, largest=True):
    order = np.argsort(-x if largest else x, axis=dim, kind="stable")
    return np.take(order, np.arange(k), axis=dim)


def _result(fn, field):
    return lambda *args, **params: getattr(fn(*args, **params), field)


def _torch_sorting(name, field):
    return lambda x, **params: getattr(getattr(torch_mod(), name)(x, **params), field)


SORT_PARAMS = [{}, {"dim": 0}, {"dim": 1, "descending": True}]
TOPK_PARAMS = [{"k": 2}, {"k": 1, "dim": 0}, {"k": 3, "largest": False}, {"k": 3, "dim": 0, "largest": True}]
TIES = [[1.0, 0.0, 1.0, 2.0, 0.0, 1.0], [2.0, 2.0, 0.0, 0.0, 1.0, 1.0]]

SORTING = [
    OpEntry("sort_values", _result(cr.sort, "values"), _np_sort, _torch_sorting("sort", "values"),
            with_params(normal, (3, 4), SORT_PARAMS),
            errors=(fails((2, 3), dim=2, exception=IndexError, match="sort: dim 2 is out of range"),)),
    OpEntry("sort_indices", _result(cr.sort, "indices"),
            lambda x, dim=-1, descending=False: np.argsort(-x if descending else x, axis=dim),
            _torch_sorting("sort", "indices"), with_params(normal, (3, 4), SORT_PARAMS), diff=()),
    OpEntry("sort_stable_ties", _result(cr.sort, "values"), _np_sort, _torch_sorting("sort", "values"),
            fixed(TIES, dim=1, descending=True, stable=True, smooth=False)),
    OpEntry("sort_stable_tie_indices", _result(cr.sort, "indices"),
            lambda x, dim, descending, stable: np.argsort(-x, axis=dim, kind="stable"),
            _torch_sorting("sort", "indices"), fixed(TIES, dim=1, descending=True, stable=True), diff=()),
    OpEntry("argsort", cr.argsort, lambda x, dim=-1, descending=False: np.argsort(-x if descending else x, axis=dim),
            torch_fn("argsort"), with_params(normal, (3, 4), SORT_PARAMS), diff=()),
    OpEntry("topk_values", _result(cr.topk, "values"),
            lambda x, k, dim=-1, largest=True: np.take_along_axis(x, _np_topk_indices(x, k, dim, largest), dim),
            _torch_sorting("topk", "values"), with_params(normal, (3, 4), TOPK_PARAMS),
            errors=(fails((2, 3), k=4, match="topk: k=4 is out of range for dim 1 of size 3"),)),
    OpEntry("topk_indices", _result(cr.topk, "indices"), _np_topk_indices, _torch_sorting("topk", "indices"),
            with_params(normal, (3, 4), TOPK_PARAMS), diff=()),
]


def _np_split(x, size, dim, piece):
    n = x.shape[dim]
    sizes = list(size) if isinstance(size, list) else [size] * (n // size) + ([n % size] if n % size else [])
    return np.split(x, np.cumsum(sizes)[:-1], axis=dim)[piece]


def _np_chunk(x, chunks, dim, piece):
    return _np_split(x, -(-x.shape[dim] // chunks), dim, piece)


def _einsum_samples(rng):
    return [Sample(tuple(normal(rng, s) for s in shapes), {"equation": equation}) for equation, shapes in (
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("i,i->", [(3,), (3,)]),
        ("i,j->ij", [(2,), (3,)]),
        ("ij->j", [(2, 3)]),
        ("ij", [(2, 3)]),
        ("ji", [(2, 3)]),  # implicit output in alphabetical order: the transpose
        ("ij,jk->k", [(2, 3), (3, 4)]),  # i appears in one operand only
        ("...ij,...jk", [(2, 2, 3), (3, 4)]),
        ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
        ("ij,ij->ij", [(2, 1), (2, 3)]),  # size-1 dims broadcast
        (" b i , b i -> b ", [(3, 2), (3, 2)]),
    )]


def _view_as_target(module):
    return module.zeros(3, 2)


SHAPE_API = [
    OpEntry("repeat", lambda x, repeats: x.repeat(*repeats), lambda x, repeats: np.tile(x, repeats),
            lambda x, repeats: x.repeat(*repeats),
        lambda rng: [Sample((normal(rng, s),), {"repeats": r}) for s, r in (
            ((2, 3), (2, 1)), ((2, 3), (1, 1)), ((2, 3), (2, 2, 3)), ((), (3,)), ((3,), (0, 2)))],
            errors=(fails((2, 3), repeats=(2,), match="repeat: 1 repeats (2,) for a tensor with 2 dimensions"),)),
    OpEntry("flip", lambda x, dims: x.flip(dims), lambda x, dims: np.flip(x, dims), lambda x, dims: x.flip(dims),
            with_params(normal, (2, 3, 2), [{"dims": (0,)}, {"dims": (1,)}, {"dims": (0, 2)}, {"dims": (-1,)}])),
    OpEntry("t", cr.t, lambda x: x.T, torch_fn("t"), unary(shapes=[(2, 3), (3,), ()]),
            errors=(fails((2, 3, 4), match="t: expects a tensor with <= 2 dimensions, got 3"),)),
    OpEntry("mm", cr.mm, np.matmul, torch_fn("mm"), binary(shapes=[((2, 3), (3, 4)), ((1, 3), (3, 1))]), diff=(0, 1),
            errors=(fails((3,), (3,), match="mm: expects 2-D tensors, got shapes (3,) and (3,)"),)),
    OpEntry("bmm", cr.bmm, np.matmul, torch_fn("bmm"), binary(shapes=[((2, 3, 4), (2, 4, 5))]), diff=(0, 1),
            errors=(fails((2, 3, 4), (3, 4, 5), match="bmm: batch sizes differ: shapes (2, 3, 4) and (3, 4, 5)"),)),
    OpEntry("einsum", lambda *xs, equation: cr.einsum(equation, *xs), lambda *xs, equation: np.einsum(equation, *xs),
            lambda *xs, equation: torch_mod().einsum(equation, *xs), _einsum_samples, diff=(0, 1, 2),
            errors=(
                fails((3, 3), equation="ii->i", match="einsum: a subscript repeated within one operand ('ii'"),
                fails((2, 3), equation="ij,jk->ik", match="einsum: the equation 'ij,jk->ik' names 2 operands, got 1"),
                fails((2, 3), equation="ijk", exception=ValueError,
                      match="einsum: subscripts 'ijk' do not match an operand with 2 dims"),
            )),
    OpEntry("split", lambda x, size, dim, piece: cr.split(x, size, dim)[piece], _np_split,
            lambda x, size, dim, piece: torch_mod().split(x, size, dim)[piece],
            lambda rng: [Sample((normal(rng, s),), p) for s, p in (
                ((3, 5), {"size": 2, "dim": 1, "piece": 2}), ((3, 5), {"size": 2, "dim": 1, "piece": 0}),
                ((3, 4), {"size": [1, 2], "dim": 0, "piece": 1}), ((4,), {"size": 4, "dim": 0, "piece": 0}))],
            errors=(fails((3,), size=[1, 1], dim=0, piece=0, match="split: sizes [1, 1] add up to 2, not to the size 3"),)),
    OpEntry("chunk", lambda x, chunks, dim, piece: x.chunk(chunks, dim)[piece], _np_chunk,
            lambda x, chunks, dim, piece: x.chunk(chunks, dim)[piece],
            lambda rng: [Sample((normal(rng, s),), p) for s, p in (
                ((5, 2), {"chunks": 2, "dim": 0, "piece": 1}), ((4,), {"chunks": 3, "dim": 0, "piece": 1}),
                ((2, 6), {"chunks": 3, "dim": -1, "piece": 2}))],
            errors=(fails((3,), chunks=0, dim=0, piece=0, match="chunk: chunks must be a positive integer, got 0"),)),
    OpEntry("view_as", lambda x: x.view_as(_view_as_target(cr)), lambda x: x.reshape(3, 2),
            lambda x: x.view_as(_view_as_target(torch_mod())), unary(shapes=[(2, 3), (6,)])),
]

TENSOR_API = [*REDUCTION_API, *ELEMENTWISE_API, *INDEXING_API, *SORTING, *SHAPE_API]


# ---- ops found missing by tests/test_pytorch_idioms.py ------------------------------------------
def booleans(rng, shape):
    return np.asarray(rng.random(shape) > 0.5)


def _np_cumsum(x, dim, dtype=None):
    return np.cumsum(x, axis=dim)


def _np_prod(x, dim=None, keepdim=False):
    return np.prod(x, axis=dim, keepdims=keepdim)


def _torch_prod(x, dim=None, keepdim=False):
    return x.prod() if dim is None else x.prod(dim, keepdim=keepdim)


def _bitwise_entry(name, op):
    return OpEntry(name, getattr(cr, name), op, torch_fn(name), binary(booleans, booleans), diff=(),
                   errors=(fails((2,), (2,), exception=cr.autograd.DTypeError,
                                 match=f"{name}: expected bool or integer tensors, got dtype float64"),))


IDIOM_OPS = [
    _unary_api_entry("sign", nonzero),
    _unary_api_entry("floor", lambda rng, shape: np.asarray(normal(rng, shape) * 3)),
    _unary_api_entry("ceil", lambda rng, shape: np.asarray(normal(rng, shape) * 3)),
    OpEntry("cumsum", cr.cumsum, _np_cumsum, torch_fn("cumsum"),
            lambda rng: [Sample((normal(rng, s),), {"dim": d}) for s, d in (((5,), 0), ((3, 4), 1), ((2, 3, 2), -2))],
            errors=(fails((2, 3), dim=2, exception=IndexError, match="cumsum: dim 2 is out of range"),)),
    OpEntry("cumsum_integers", cr.cumsum, _np_cumsum, torch_fn("cumsum"),
            lambda rng: [Sample((np.array([[1, 2], [3, 4]], dtype=np.int32),), {"dim": 0})], diff=()),
    OpEntry("prod", cr.prod, _np_prod, _torch_prod,
            with_params(nonzero, (3, 4), [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": -1}]),
            errors=(fails((2, 3), dim=3, exception=IndexError, match="prod: dim 3 is out of range"),)),
    OpEntry("prod_with_zeros", cr.prod, _np_prod, _torch_prod,
            lambda rng: [Sample((np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 0.5]]),), p)
                         for p in ({"dim": 1}, {"dim": 0}, {})]),
    _bitwise_entry("bitwise_and", np.logical_and),
    _bitwise_entry("bitwise_or", np.logical_or),
    _bitwise_entry("bitwise_xor", np.logical_xor),
    OpEntry("bitwise_not", cr.bitwise_not, np.logical_not, torch_fn("bitwise_not"), unary(booleans), diff=(),
            errors=(fails((2,), exception=cr.autograd.DTypeError,
                          match="bitwise_not: expected bool or integer tensors, got dtype float64"),)),
    universal("and_operator_integers", lambda x, y: x & y,
              lambda rng: [Sample((np.array([6, 3, 12]), np.array([3, 5, 4])))], diff=()),
    universal("invert_operator", lambda x: ~x, unary(booleans), diff=()),
    OpEntry("add_alpha", lambda x, y: cr.add(x, y, alpha=-0.5), lambda x, y: x - 0.5 * y,
            lambda x, y: torch_mod().add(x, y, alpha=-0.5), binary(), diff=(0, 1)),
    OpEntry("sub_alpha_method", lambda x, y: x.sub(y, alpha=2), lambda x, y: x - 2 * y,
            lambda x, y: x.sub(y, alpha=2), binary(), diff=(0, 1)),
    _unary_api_entry("reciprocal", nonzero),
    *(OpEntry(name, getattr(cr, name), getattr(np, name), torch_fn(name), binary(booleans, small_integers), diff=())
      for name in ("logical_and", "logical_or", "logical_xor")),
    OpEntry("logical_not", cr.logical_not, np.logical_not, torch_fn("logical_not"), unary(small_integers), diff=()),
    OpEntry("nonzero", cr.nonzero, np.argwhere, torch_fn("nonzero"), unary(small_integers), diff=()),
    OpEntry("nonzero_as_tuple", lambda x: cr.nonzero(x, as_tuple=True)[-1], lambda x: np.nonzero(x)[-1],
            lambda x: torch_mod().nonzero(x, as_tuple=True)[-1], unary(small_integers, shapes=[(3,), (2, 3)]), diff=()),
    OpEntry("unique", cr.unique, np.unique, torch_fn("unique"), unary(small_integers), diff=(),
            errors=(fails((2, 3), dim=0, match="unique: dim= is not supported"),)),
    OpEntry("unique_counts", lambda x: cr.unique(x, return_counts=True)[1],
            lambda x: np.unique(x, return_counts=True)[1],
            lambda x: torch_mod().unique(x, return_counts=True)[1], unary(small_integers), diff=()),
    OpEntry("unique_inverse", lambda x: cr.unique(x, return_inverse=True)[1],
            lambda x: np.unique(x, return_inverse=True)[1].reshape(x.shape),
            lambda x: torch_mod().unique(x, return_inverse=True)[1], unary(small_integers), diff=()),
    OpEntry("bincount", cr.bincount, lambda x, minlength=0: np.bincount(x, minlength=minlength),
            torch_fn("bincount"),
            lambda rng: [Sample((rng.integers(0, 5, n),), p) for n, p in ((7, {}), (3, {"minlength": 6}), (0, {}))],
            diff=(), errors=(fails((2, 2), exception=cr.autograd.DTypeError,
                                   match="bincount: expected a 1-D integer tensor, got dtype float64 of shape (2, 2)"),)),
    OpEntry("index_select", cr.index_select, lambda x, dim, index: np.take(x, index, axis=dim),
            lambda x, dim, index: torch_mod().index_select(x, dim, torch_mod().from_numpy(index)),
            lambda rng: [Sample((normal(rng, s),), p) for s, p in (
                ((4, 3), {"dim": 0, "index": np.array([3, 0, 3])}), ((2, 5), {"dim": -1, "index": np.array([4, 1])}))],
            errors=(fails((2, 3), dim=0, index=np.array([[0]]), exception=TypeError,
                          match="index_select: index must be a 1-D integer tensor"),)),
    OpEntry("diag", cr.diag, np.diag, torch_fn("diag"), unary(shapes=[(3,), (3, 3), (2, 4), (4, 2)]),
            errors=(fails((2, 2, 2), exception=ShapeError, match="diag: expected a 1-D or 2-D tensor, got shape (2, 2, 2)"),)),
    OpEntry("cdist", cr.cdist,
            lambda a, b, p=2.0: np.linalg.norm(a[..., :, None, :] - b[..., None, :, :], ord=p, axis=-1),
            torch_fn("cdist"),
            lambda rng: [Sample((normal(rng, a), normal(rng, b)), p) for a, b, p in (
                ((4, 3), (2, 3), {}), ((2, 3, 2), (2, 4, 2), {}), ((3, 2), (3, 2), {"p": 1.0}))],
            diff=(0, 1), errors=(fails((2, 3), (2, 4), exception=ShapeError, match="cdist: expected (..., P, M)"),)),
    OpEntry("remainder", cr.remainder, np.remainder, torch_fn("remainder"), binary(normal, nonzero), diff=(0, 1)),
    universal("mod_operator_scalar", lambda x: x % 0.75, unary()),
    universal("mod_integers", lambda x, y: x % y, lambda rng: [Sample((np.array([7, -7, 5]), np.array([3, 3, -2])))],
              diff=()),
    OpEntry("tril", cr.tril, lambda x, diagonal=0: np.tril(x, diagonal), torch_fn("tril"),
            lambda rng: [Sample((normal(rng, s),), p) for s, p in (
                ((3, 3), {}), ((3, 4), {"diagonal": 1}), ((2, 4, 3), {"diagonal": -1}))],
            errors=(fails((3,), exception=ShapeError, match="tril: expected a tensor with at least 2 dims, got shape (3,)"),)),
    OpEntry("triu", cr.triu, lambda x, diagonal=0: np.triu(x, diagonal), torch_fn("triu"),
            lambda rng: [Sample((normal(rng, s),), p) for s, p in (
                ((3, 3), {}), ((4, 3), {"diagonal": 1}), ((2, 3, 4), {"diagonal": -2}))],
            errors=(fails((3,), exception=ShapeError, match="triu: expected a tensor with at least 2 dims, got shape (3,)"),)),
]


ENTRIES = [
    *ARITHMETIC, *MATMUL, *ELEMENTWISE, *ACTIVATION, *SMOOTH_ACTIVATION, *NN_FUNCTIONAL, *SELECTION, *REDUCTION,
    *SOFTMAX, *SHAPE, *INDEXING, *COMPARE, *CAST, *TENSOR_API, *IDIOM_OPS,
]
assert len({e.name for e in ENTRIES}) == len(ENTRIES), "entry names must be unique"
