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
"""
from dataclasses import dataclass, field

import numpy as np

import chainrule as cr


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


def unary(gen=normal, shapes=UNARY_SHAPES, **params):
    return lambda rng: [Sample((gen(rng, s),), dict(params)) for s in shapes]


def binary(gen_x=normal, gen_y=normal, shapes=BINARY_SHAPES):
    return lambda rng: [Sample((gen_x(rng, a), gen_y(rng, b))) for a, b in shapes]


def with_params(gen, shape, params_list):
    return lambda rng: [Sample((gen(rng, shape),), dict(p)) for p in params_list]


def one(x):
    """A single-input error case on an array of shape ``x``."""
    return (np.ones(x),)


def torch_mod():
    """PyTorch, imported only when a parity test calls an entry's ``torch``."""
    import torch

    return torch


def torch_index(index):
    """A NumPy index with its arrays as torch tensors."""
    torch = torch_mod()
    if isinstance(index, tuple):
        return tuple(torch_index(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    return index


def from_np(c):
    return torch_mod().from_numpy(np.asarray(c))


# ---- arithmetic --------------------------------------------------------------------------------
BROADCAST_ERROR = ErrorCase((np.ones((2, 3)), np.ones(4)), ValueError, "shapes (2, 3) and (4,) cannot be broadcast together")


def _binary_entry(name, op, gen_y=normal):
    return OpEntry(
        name, op, op, op, binary(normal, gen_y), diff=(0, 1),
        errors=(ErrorCase((np.ones((2, 3)), np.ones(4)), ValueError, f"{name}: shapes (2, 3) and (4,) cannot be broadcast together"),),
    )


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
    OpEntry(
        "pow_scalar", lambda x, p: x ** p, lambda x, p: x ** p, lambda x, p: x ** p,
        lambda rng: [Sample((positive(rng, s), p)) for s, p in (((2, 3), 2), ((3,), 0.5), ((2, 2), -1.5), ((), 3))],
    ),
    OpEntry(
        "pow_tensor", lambda x, y: x ** y, lambda x, y: x ** y, lambda x, y: x ** y,
        binary(positive, normal), diff=(0, 1),
    ),
    OpEntry("rpow_scalar", lambda x: 2.5 ** x, lambda x: 2.5 ** x, lambda x: 2.5 ** x, unary()),
    OpEntry("neg", lambda x: -x, lambda x: -x, lambda x: -x, unary()),
    OpEntry("neg_function", cr.neg, np.negative, lambda x: torch_mod().neg(x), unary()),
    OpEntry("add_python_int", lambda x: x + 2, lambda x: x + 2, lambda x: x + 2, unary()),
    OpEntry("radd_scalar", lambda x: 2.5 + x, lambda x: 2.5 + x, lambda x: 2.5 + x, unary()),
    OpEntry("rsub_scalar", lambda x: 2.5 - x, lambda x: 2.5 - x, lambda x: 2.5 - x, unary()),
    OpEntry("rmul_scalar", lambda x: 2.5 * x, lambda x: 2.5 * x, lambda x: 2.5 * x, unary()),
    OpEntry("rdiv_scalar", lambda x: 2.5 / x, lambda x: 2.5 / x, lambda x: 2.5 / x, unary(nonzero)),
]


def _ndarray_constant_samples(rng):
    """x against a NumPy constant ``c`` of another rank (broadcasting both ways)."""
    return [
        Sample((normal(rng, (3,)),), {"c": rng.uniform(0.5, 2.0, (2, 3))}),
        Sample((normal(rng, (2, 3)),), {"c": rng.uniform(0.5, 2.0, (3,))}),
    ]


for _name, _op in [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b), ("div", lambda a, b: a / b),
]:
    ARITHMETIC.append(OpEntry(
        f"r{_name}_ndarray",
        (lambda op: lambda x, c: op(c, x))(_op),
        (lambda op: lambda x, c: op(c, x))(_op),
        (lambda op: lambda x, c: op(from_np(c), x))(_op),
        _ndarray_constant_samples,
    ))
    ARITHMETIC.append(OpEntry(
        f"{_name}_ndarray",
        (lambda op: lambda x, c: op(x, c))(_op),
        (lambda op: lambda x, c: op(x, c))(_op),
        (lambda op: lambda x, c: op(x, from_np(c)))(_op),
        _ndarray_constant_samples,
    ))


ARITHMETIC.append(OpEntry(
    "rpow_ndarray", lambda x, c: c ** x, lambda x, c: c ** x, lambda x, c: from_np(c) ** x, _ndarray_constant_samples,
))

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
    OpEntry(
        "matmul", lambda a, b: a @ b, lambda a, b: a @ b, lambda a, b: a @ b,
        lambda rng: [Sample((normal(rng, a), normal(rng, b))) for a, b in MATMUL_SHAPES], diff=(0, 1),
        errors=(
            ErrorCase((np.ones((32, 784)), np.ones((30, 784))), ValueError, "matmul: shapes (32, 784) and (30, 784) are not aligned (784 != 30)"),
            ErrorCase((np.ones(3), np.ones(4)), ValueError, "matmul: shapes (3,) and (4,) are not aligned (3 != 4)"),
            ErrorCase((np.ones((2, 2, 3)), np.ones((3, 3, 2))), ValueError, "matmul: batch dimensions of shapes (2, 2, 3) and (3, 3, 2) cannot be broadcast"),
            ErrorCase((np.ones(()), np.ones(3)), ValueError, "matmul: both operands need at least one dimension"),
        ),
    ),
    OpEntry("matmul_function", cr.matmul, np.matmul, lambda a, b: torch_mod().matmul(a, b),
            lambda rng: [Sample((normal(rng, (2, 3)), normal(rng, (3, 2))))], diff=(0, 1)),
    OpEntry(
        "rmatmul_ndarray", lambda x, c: c @ x, lambda x, c: c @ x, lambda x, c: from_np(c) @ x,
        lambda rng: [Sample((normal(rng, (3, 2)),), {"c": normal(rng, (4, 3))}), Sample((normal(rng, (3,)),), {"c": normal(rng, (2, 3))})],
    ),
]


# ---- element-wise ------------------------------------------------------------------------------
def _unary_entry(name, gen=normal, ref=None, torch_name=None):
    return OpEntry(
        name, getattr(cr, name), ref or getattr(np, name),
        lambda x: getattr(torch_mod(), torch_name or name)(x), unary(gen),
    )


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
    OpEntry(
        "sigmoid_extremes", cr.sigmoid, _np_sigmoid, lambda x: torch_mod().sigmoid(x),
        lambda rng: [Sample((np.array([-60.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 60.0]),))],
    ),
    OpEntry("abs_method", lambda x: abs(x), np.abs, lambda x: abs(x), unary(nonzero)),
    OpEntry("exp_method", lambda x: x.exp(), np.exp, lambda x: x.exp(), unary()),
]


# ---- activations and selection ------------------------------------------------------------------
def _np_leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, x * negative_slope)


def _torch_clamp(x, min=None, max=None):
    return torch_mod().clamp(x, min=min, max=max)


ACTIVATION = [
    OpEntry("relu", cr.relu, lambda x: np.maximum(x, 0), lambda x: torch_mod().relu(x), unary(nonzero)),
    OpEntry(
        "leaky_relu", cr.leaky_relu, _np_leaky_relu,
        lambda x, negative_slope=0.01: torch_mod().nn.functional.leaky_relu(x, negative_slope),
        lambda rng: [Sample((nonzero(rng, s),), p) for s in ((5,), (2, 3)) for p in ({}, {"negative_slope": 0.2})],
        errors=(
            ErrorCase(one(3), ValueError, "leaky_relu: negative_slope must be a finite number, got inf", {"negative_slope": float("inf")}),
            ErrorCase(one(3), TypeError, "leaky_relu: negative_slope must be a Python number, got str", {"negative_slope": "x"}),
        ),
    ),
    OpEntry(
        "clamp", cr.clamp, lambda x, min=None, max=None: np.clip(x, min, max), _torch_clamp,
        lambda rng: [
            Sample((normal(rng, s),), p)
            for s in ((6,), (2, 3))
            for p in ({"min": -0.5, "max": 0.5}, {"min": -0.3}, {"max": 0.2})
        ],
        errors=(
            ErrorCase(one(3), ValueError, "clamp: min must be a finite number, got nan", {"min": float("nan")}),
            ErrorCase(one(3), ValueError, "clamp: max must be a finite number, got inf", {"max": float("inf")}),
            ErrorCase(one(3), ValueError, "clamp: at least one of min and max must be given"),
            ErrorCase(one(3), TypeError, "clamp: min must be a Python number, got str", {"min": "a"}),
        ),
    ),
    OpEntry("clip_method", lambda x: x.clip(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), lambda x: x.clip(-0.5, 0.5), unary()),
    OpEntry(
        "clamp_at_bounds", cr.clamp, lambda x, min=None, max=None: np.clip(x, min, max), _torch_clamp,
        lambda rng: [Sample((np.array([-1.0, -0.5, 0.0, 0.5, 1.0]),), {"min": -0.5, "max": 0.5}, smooth=False)],
    ),
    OpEntry("relu_at_zero", cr.relu, lambda x: np.maximum(x, 0), lambda x: torch_mod().relu(x),
            lambda rng: [Sample((np.array([-1.0, 0.0, 2.0]),), smooth=False)]),
    OpEntry("abs_at_zero", cr.abs, np.abs, lambda x: torch_mod().abs(x),
            lambda rng: [Sample((np.array([-1.0, 0.0, 2.0]),), smooth=False)]),
]

SELECTION = [
    OpEntry("maximum", cr.maximum, np.maximum, lambda x, y: torch_mod().maximum(x, y), binary(), diff=(0, 1),
            errors=(ErrorCase(BROADCAST_ERROR.inputs, ValueError, "maximum: shapes (2, 3) and (4,) cannot be broadcast together"),)),
    OpEntry("minimum", cr.minimum, np.minimum, lambda x, y: torch_mod().minimum(x, y), binary(), diff=(0, 1)),
    OpEntry(
        "maximum_ties", cr.maximum, np.maximum, lambda x, y: torch_mod().maximum(x, y),
        lambda rng: [Sample((np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])), smooth=False)], diff=(0, 1),
    ),
    OpEntry("max_binary", lambda x, y: cr.max(x, y), np.maximum, lambda x, y: torch_mod().max(x, y), binary(), diff=(0, 1)),
    OpEntry(
        "where", cr.where, np.where, lambda c, x, y: torch_mod().where(c, x, y),
        lambda rng: [
            Sample((rng.random(c) > 0.5, normal(rng, a), normal(rng, b)))
            for c, a, b in (((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)), ((3,), (2, 3), ()), ((2, 1), (1, 3), (3,)))
        ],
        diff=(1, 2),
        errors=(ErrorCase((np.ones(2, bool), np.ones(3), np.ones(2)), ValueError, "where: shapes (2,), (3,) and (2,) cannot be broadcast together"),),
    ),
    OpEntry(
        "where_scalar", lambda c, x: cr.where(c, x, 0.0), lambda c, x: np.where(c, x, 0.0),
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


def _reduction_entry(name, np_fn, gen=normal):
    return OpEntry(
        name, getattr(cr, name), _np_reduce(np_fn), _torch_reduce(name), with_params(gen, (2, 3, 2), REDUCE_PARAMS),
        errors=(ErrorCase(one((2, 3)), IndexError, f"{name}: dim 2 is out of range for a tensor with 2 dimensions", {"dim": 2}),),
    )


def _np_logsumexp(x, dim=None, keepdim=False):
    m = np.max(x, axis=dim, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dim)


def _dim_entries(name):
    """max/min along a dim: the values (differentiable) and the indices (no gradient)."""
    np_arg = getattr(np, f"arg{name}")
    np_take = lambda x, dim, keepdim=False: np.squeeze(  # noqa: E731
        np.take_along_axis(x, np.expand_dims(np_arg(x, axis=dim), dim), dim), axis=() if keepdim else dim
    )
    samples = with_params(normal, (3, 4), [{"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": -1}])
    torch_fn = lambda field: lambda x, dim, keepdim=False: getattr(getattr(torch_mod(), name)(x, dim, keepdim), field)  # noqa: E731
    return [
        OpEntry(f"{name}_dim_values", lambda x, dim, keepdim=False: getattr(cr, name)(x, dim, keepdim).values,
                np_take, torch_fn("values"), samples),
        OpEntry(f"{name}_dim_indices", lambda x, dim, keepdim=False: getattr(cr, name)(x, dim, keepdim=keepdim).indices,
                lambda x, dim, keepdim=False: (np.expand_dims(np_arg(x, axis=dim), dim) if keepdim else np_arg(x, axis=dim)),
                torch_fn("indices"), samples, diff=()),
        OpEntry(f"{name}_all", getattr(cr, name), getattr(np, name), lambda x: getattr(torch_mod(), name)(x),
                unary(shapes=[(5,), (2, 3)]),
                errors=(ErrorCase(one((0, 3)), ValueError, f"{name}: cannot reduce an empty tensor"),
                        ErrorCase(one((2, 3)), TypeError, f"{name}: dim must be one int", {"dim": (0, 1)}))),
        OpEntry(f"{name}_all_ties", getattr(cr, name), getattr(np, name), lambda x: getattr(torch_mod(), name)(x),
                lambda rng: [Sample((np.array([[1.0, -3.0, 3.0], [-3.0, 3.0, 0.0]]),), smooth=False)]),
    ]


def _np_var(x, dim=None, keepdim=False, correction=1):
    return np.var(x, axis=dim, keepdims=keepdim, ddof=correction)


def _torch_var(x, dim=None, keepdim=False, correction=1):
    return torch_mod().var(x, dim=dim, keepdim=keepdim, correction=correction)


REDUCTION = [
    _reduction_entry("sum", np.sum),
    _reduction_entry("mean", np.mean),
    OpEntry("logsumexp", cr.logsumexp, _np_logsumexp, lambda x, dim, keepdim=False: torch_mod().logsumexp(x, dim, keepdim),
            with_params(normal, (2, 3, 2), REDUCE_PARAMS[1:])),
    OpEntry("logsumexp_large", cr.logsumexp, _np_logsumexp, lambda x, dim, keepdim=False: torch_mod().logsumexp(x, dim, keepdim),
            lambda rng: [Sample((normal(rng, (2, 3)) * 400,), {"dim": 1})]),
    OpEntry(
        "var", cr.var, _np_var, _torch_var,
        with_params(normal, (3, 4), [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"correction": 0}, {"dim": (0, 1), "correction": 2}]),
        errors=(ErrorCase(one((2, 3)), IndexError, "var: dim -3 is out of range", {"dim": -3}),),
    ),
    OpEntry(
        "sum_numpy_names", lambda x: cr.sum(x, axis=1, keepdims=True), lambda x: np.sum(x, axis=1, keepdims=True),
        lambda x: x.sum(1, keepdim=True), unary(shapes=[(2, 3)]),
    ),
    OpEntry("mean_method", lambda x: x.mean(0), lambda x: x.mean(0), lambda x: x.mean(0), unary(shapes=[(2, 3)])),
    OpEntry(
        "argmax", cr.argmax, lambda x, dim=None, keepdim=False: (np.argmax(x, axis=dim, keepdims=keepdim) if dim is not None else np.argmax(x)),
        lambda x, dim=None, keepdim=False: torch_mod().argmax(x, dim=dim, keepdim=keepdim),
        with_params(normal, (3, 4), [{}, {"dim": 0}, {"dim": 1, "keepdim": True}]), diff=(),
        errors=(ErrorCase(one((2, 3)), IndexError, "argmax: dim 2 is out of range", {"dim": 2}),),
    ),
    OpEntry(
        "argmin", cr.argmin, lambda x, dim=None: np.argmin(x, axis=dim), lambda x, dim=None: torch_mod().argmin(x, dim=dim),
        with_params(normal, (3, 4), [{}, {"dim": -1}]), diff=(),
    ),
]
for _extreme in ("max", "min"):
    REDUCTION += _dim_entries(_extreme)


# ---- softmax ----------------------------------------------------------------------------------------
def _np_log_softmax(x, dim=-1):
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


SOFTMAX_SAMPLES = lambda rng: [  # noqa: E731
    Sample((normal(rng, (2, 5)),)),
    Sample((normal(rng, (2, 5)),), {"dim": 0}),
    Sample((normal(rng, (2, 3, 2)),), {"dim": 1}),
    Sample((normal(rng, (3, 4)) * 300,), {"dim": 1}),  # stable: no overflow
]

SOFTMAX = [
    OpEntry("softmax", cr.softmax, lambda x, dim=-1: np.exp(_np_log_softmax(x, dim)),
            lambda x, dim=-1: torch_mod().softmax(x, dim), SOFTMAX_SAMPLES,
            errors=(ErrorCase(one((2, 3)), IndexError, "softmax: dim 2 is out of range", {"dim": 2}),)),
    OpEntry("log_softmax", cr.log_softmax, _np_log_softmax, lambda x, dim=-1: torch_mod().log_softmax(x, dim), SOFTMAX_SAMPLES,
            errors=(ErrorCase(one(()), IndexError, "log_softmax: dim=-1 needs a tensor with at least one dimension"),)),
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


SHAPE = [
    OpEntry(
        "reshape", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape),
        with_params(normal, (2, 3), [{"shape": (3, 2)}, {"shape": (-1,)}, {"shape": (1, 6, 1)}, {"shape": (2, -1, 3)}]),
        errors=(ErrorCase(one((2, 3)), ValueError, "reshape: cannot reshape a tensor of shape (2, 3) into (4, 2)", {"shape": (4, 2)}),),
    ),
    OpEntry("reshape_function", lambda x: cr.reshape(x, (3, 2)), lambda x: x.reshape(3, 2), lambda x: x.reshape(3, 2), unary(shapes=[(2, 3)])),
    OpEntry("view", lambda x: x.view(3, -1), lambda x: x.reshape(3, -1), lambda x: x.view(3, -1), unary(shapes=[(2, 3), (6,)])),
    OpEntry(
        "flatten", cr.flatten, _np_flatten, lambda x, start_dim=0, end_dim=-1: x.flatten(start_dim, end_dim),
        with_params(normal, (2, 3, 2), [{}, {"start_dim": 1}, {"start_dim": 0, "end_dim": 1}, {"start_dim": -2, "end_dim": -1}]),
    ),
    OpEntry(
        "transpose", cr.transpose, lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1), lambda x, dim0, dim1: x.transpose(dim0, dim1),
        with_params(normal, (2, 3, 4), [{"dim0": 0, "dim1": 1}, {"dim0": -1, "dim1": 0}, {"dim0": 2, "dim1": 2}]),
        errors=(ErrorCase(one((2, 3)), IndexError, "transpose: dim 5 is out of range for a tensor with 2 dimensions", {"dim0": 0, "dim1": 5}),),
    ),
    OpEntry(
        "permute", lambda x, dims: x.permute(*dims), lambda x, dims: np.transpose(x, dims), lambda x, dims: x.permute(*dims),
        with_params(normal, (2, 3, 4), [{"dims": (2, 0, 1)}, {"dims": (0, 1, 2)}, {"dims": (-1, -3, -2)}]),
        errors=(ErrorCase(one((2, 3)), ValueError, "permute: (0, 0) is not a permutation of the 2 dims", {"dims": (0, 0)}),),
    ),
    OpEntry("T", lambda x: x.T, lambda x: x.T, lambda x: x.T, unary(shapes=[(2, 3), (3, 1)])),
    OpEntry(
        "squeeze", cr.squeeze, _np_squeeze, lambda x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
        with_params(normal, (1, 3, 1, 2), [{}, {"dim": 0}, {"dim": 2}, {"dim": 1}, {"dim": (0, 2)}, {"dim": -2}]),
        errors=(ErrorCase(one((1, 3)), IndexError, "squeeze: dim 2 is out of range", {"dim": 2}),),
    ),
    OpEntry(
        "unsqueeze", cr.unsqueeze, lambda x, dim: np.expand_dims(x, dim), lambda x, dim: x.unsqueeze(dim),
        lambda rng: [Sample((normal(rng, s),), {"dim": d}) for s, d in (((2, 3), 0), ((2, 3), -1), ((2, 3), 1), ((), 0))],
        errors=(ErrorCase(one((2, 3)), IndexError, "unsqueeze: dim 3 is out of range for a tensor with 3 dimensions", {"dim": 3}),),
    ),
    OpEntry(
        "expand", lambda x, sizes: x.expand(*sizes),
        lambda x, sizes: np.broadcast_to(x, tuple(x.shape[i - len(sizes) + x.ndim] if s == -1 else s for i, s in enumerate(sizes))),
        lambda x, sizes: x.expand(*sizes),
        lambda rng: [
            Sample((normal(rng, (3, 1)),), {"sizes": (2, 3, 4)}),
            Sample((normal(rng, (3, 1)),), {"sizes": (-1, 4)}),
            Sample((normal(rng, ()),), {"sizes": (2, 2)}),
            Sample((normal(rng, (1, 2)),), {"sizes": (3, 1, -1)}),
        ],
        errors=(
            ErrorCase(one((2, 3)), ValueError, "expand: cannot expand a tensor of shape (2, 3) to (4, 3)", {"sizes": (4, 3)}),
            ErrorCase(one((2, 3)), ValueError, "expand: (3,) has fewer dims than the tensor's shape (2, 3)", {"sizes": (3,)}),
        ),
    ),
    OpEntry(
        "cat", lambda *xs, dim: cr.cat(xs, dim), lambda *xs, dim: np.concatenate(xs, dim),
        lambda *xs, dim: torch_mod().cat(xs, dim), _cat_samples, diff=(0, 1, 2),
        errors=(ErrorCase((np.ones((2, 3)), np.ones((3, 2))), ValueError, "cat: shapes (2, 3), (3, 2) differ outside dim 0", {"dim": 0}),),
    ),
    OpEntry(
        "stack", lambda *xs, dim: cr.stack(xs, dim), lambda *xs, dim: np.stack(xs, dim),
        lambda *xs, dim: torch_mod().stack(xs, dim), _stack_samples, diff=(0, 1, 2),
        errors=(ErrorCase((np.ones((2, 3)), np.ones((3, 2))), ValueError, "stack: expects tensors of one shape, got (2, 3), (3, 2)", {"dim": 0}),),
    ),
]


# ---- indexing ------------------------------------------------------------------------------------------
def _getitem_samples(rng):
    x = lambda: normal(rng, (3, 4))  # noqa: E731
    indices = [
        1,
        -1,
        (slice(None), 2),
        (slice(1, None), slice(None, None, 2)),
        (Ellipsis, None, slice(1, None)),
        (1, slice(0, 3)),
        np.array([0, 2, 0, 0]),                       # repeated rows: their gradients add
        (np.array([0, 1, 1, 2]), np.array([3, 0, 0, 3])),  # repeated (row, col) pairs
        (slice(None), np.array([1, 1, 0])),
        np.array([[0, 1], [1, 1]]),
        np.array([True, False, True]),                # a row mask
        (slice(None), np.array([-1, -1])),
    ]
    samples = [Sample((x(),), {"index": i}) for i in indices]
    data = x()
    samples.append(Sample((data,), {"index": data > 0}))  # a full boolean mask
    return samples


INDEXING = [
    OpEntry(
        "getitem", lambda x, index: x[index], lambda x, index: x[index], lambda x, index: x[torch_index(index)],
        _getitem_samples,
        errors=(
            ErrorCase(one((2, 3)), IndexError, "getitem: index 5 is out of bounds", {"index": 5}),
            ErrorCase(one((2, 3)), IndexError, "getitem: index 7 is out of bounds", {"index": np.array([0, 7])}),
        ),
    ),
    OpEntry(
        "getitem_negative_step", lambda x: x[..., None, ::-1], lambda x: x[..., None, ::-1],
        lambda x: x[..., None, :].flip(-1), unary(shapes=[(3,), (2, 3)]),  # torch has no negative steps
    ),
    OpEntry(
        "getitem_tensor_index", lambda x, index: x[cr.tensor(index)], lambda x, index: x[index],
        lambda x, index: x[torch_index(index)],
        lambda rng: [Sample((normal(rng, (4, 2)),), {"index": np.array([3, 0, 3])}), Sample((normal(rng, (3,)),), {"index": np.array([True, False, True])})],
    ),
    OpEntry(
        "getitem_list_index", lambda x: x[[0, 2, 2]], lambda x: x[[0, 2, 2]], lambda x: x[[0, 2, 2]], unary(shapes=[(3,), (3, 2)]),
    ),
]


# ---- comparisons (no gradient) and casts --------------------------------------------------------------------
def _comparison_entry(name, op):
    return OpEntry(
        name, op, op, op, binary(small_integers, small_integers), diff=(),
        errors=(ErrorCase(BROADCAST_ERROR.inputs, ValueError, f"{name}: shapes (2, 3) and (4,) cannot be broadcast together"),),
    )


COMPARE = [
    _comparison_entry("eq", lambda x, y: x == y),
    _comparison_entry("ne", lambda x, y: x != y),
    _comparison_entry("lt", lambda x, y: x < y),
    _comparison_entry("le", lambda x, y: x <= y),
    _comparison_entry("gt", lambda x, y: x > y),
    _comparison_entry("ge", lambda x, y: x >= y),
    OpEntry("gt_scalar", lambda x: x > 0.5, lambda x: x > 0.5, lambda x: x > 0.5, unary(), diff=()),
    OpEntry("eq_function", cr.eq, np.equal, lambda x, y: torch_mod().eq(x, y), binary(small_integers, small_integers), diff=()),
]

CAST = [
    OpEntry("to_float64", lambda x: x.to("float64"), lambda x: x.astype(np.float64), lambda x: x.to(torch_mod().float64), unary()),
    OpEntry("double", lambda x: x.double(), lambda x: x.astype(np.float64), lambda x: x.double(), unary()),
    OpEntry("float", lambda x: x.float(), lambda x: x.astype(np.float32), lambda x: x.float(), unary(), gradcheck=False),
    OpEntry("to_int64", lambda x: x.long(), lambda x: x.astype(np.int64), lambda x: x.long(), unary(), diff=()),
]


ENTRIES = ARITHMETIC + MATMUL + ELEMENTWISE + ACTIVATION + SELECTION + REDUCTION + SOFTMAX + SHAPE + INDEXING + COMPARE + CAST
BY_NAME = {e.name: e for e in ENTRIES}
assert len(BY_NAME) == len(ENTRIES), "entry names must be unique"
