"""chainrule: reverse-mode automatic differentiation on NumPy, with a PyTorch-style API.

    import chainrule as cr
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
    x.grad.numpy()  # array([2., 4.], dtype=float32)
"""
from . import heap

if heap.wanted():
    heap.keep_freed_memory()
from .tensor import (  # noqa: I001, E402  (Tensor first: the ops import it)
    Tensor, bool_, equal, float16, float32, float64, int8, int16, int32, int64, is_tensor, uint8,
)
from .device import device, get_default_device, set_default_device

# PyTorch's dtype aliases (``torch.float`` is float32, ``torch.long`` int64, ...)
float, double, half, long, int, short, bool = float32, float64, float16, int64, int32, int16, bool_
Size = tuple  # Tensor.shape and size() are tuples; torch.Size is a tuple too
from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .factories import (  # noqa: I001
    BoolTensor, ByteTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
    as_tensor, multinomial,
)
from .settings import (
    are_deterministic_algorithms_enabled, get_default_dtype, get_num_threads, set_num_threads,
    use_deterministic_algorithms,
)
from .factories import (
    arange, empty, empty_like, eye, from_numpy, full, full_like, linspace, logspace, ones, ones_like, rand,
    rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from .ops import (
    abs, add, argmax, argmin, cat, clamp, cos, div, eq, exp, expand, flatten, ge, gt, le,
    leaky_relu, log, log_softmax, logsumexp, lt, matmul, max, maximum, mean, min, minimum,
    mul, ne, neg, permute, pow, relu, reshape, sigmoid, sin, softmax, sqrt, squeeze, stack,
    sub, sum, tanh, transpose, unsqueeze, var, where,
)
from .ops import (  # issue 11, item 6
    all, allclose, any, argsort, bmm, chunk, einsum, expm1, flip, floor_divide, gather, isfinite,
    isinf, isnan, log1p, masked_fill, mm, norm, repeat, round, scatter, sort, split, square, std, t,
    topk,
)
from .ops import (  # PyTorch idioms (issue 11)
    bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, cumsum, floor, prod, reciprocal, sign, tril, triu,
    bincount, cdist, diag, index_select, logical_and, logical_not, logical_or, logical_xor, nonzero, remainder,
    unique,
)
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .io import CheckpointError, load, load_metadata, save
from . import models, nn, optim  # noqa: E402  (after the core they build on)
from . import accelerator, backends, cuda  # noqa: E402  (device queries, issue 11 item 3)
from .nn.summary import summary  # noqa: E402
from . import data, utils  # noqa: E402  (torch.utils.data is loaded by import torch too)

__version__ = "0.1.0"
