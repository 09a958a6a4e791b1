"""Layer exercises: the affine layer, softmax with cross-entropy, batch normalisation, max
pooling and convolution (docs/math.md, sections 1 and 4)."""
import numpy as np

import chainrule as cr
from chainrule.nn import functional as F

from .checker import MATH, Case, Exercise, Mistake
from .gates import stub_header

ARRAYS = f"{MATH}#arrays-vectorised-gradients-and-dimension-analysis"
LAYERS = f"{MATH}#4-convolutional-networks-pooling-batch-normalisation-softmax"


def _affine_cases(rng):
    def case(label, n, fan_in, fan_out):
        return Case(label, (rng.standard_normal((n, fan_in)), rng.standard_normal((fan_out, fan_in)),
                            rng.standard_normal(fan_out)))
    return [case("random inputs", 4, 3, 5), case("other sizes", 2, 6, 3), case("a batch of one", 1, 3, 2)]


AFFINE = Exercise(
    name="affine", title="the affine layer", lesson=ARRAYS, class_name="Affine",
    input_names=("x", "w", "b"), needs_grad=("x", "w", "b"),
    reference=F.linear, cases=_affine_cases,
    stub=stub_header("affine", "the affine (fully connected) layer, o = x w^T + b", ARRAYS) + '''

class Affine(Function):
    def forward(self, x, w, b):
        """x: (n, fan_in), a batch of n rows; w: (fan_out, fan_in); b: (fan_out,).
        Returns o = x @ w.T + b, shape (n, fan_out)."""
        self.saved = (x, w)
        return x @ w.T + b

    def backward(self, grad):
        """grad: dL/do, shape (n, fan_out).
        Returns (dx, dw, db) of shapes (n, fan_in), (fan_out, fan_in), (fan_out,).
        Rules: dimension analysis fixes the matrix products (which operand, which transpose);
        b is added to every row, so it fans out over the batch: its gradient sums over it.
        """
        x, w = self.saved
        raise NotImplementedError("write the backward of affine")
''')


def _one_hot(target, classes):
    return np.eye(classes)[target]


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _cross_entropy_cases(rng):
    def case(label, n, classes, scale=1.0):
        return Case(label, (rng.standard_normal((n, classes)) * scale, rng.integers(0, classes, n)))
    return [case("random inputs", 4, 5), case("large logits (about 1000)", 3, 4, 1000.0),
            case("other sizes", 6, 3)]


def _mean_of(inputs, g, probs_minus):
    logits, target = inputs
    return {"logits": g * probs_minus(_softmax(logits), _one_hot(target, logits.shape[1])) / len(target)}


SOFTMAX_CROSS_ENTROPY = Exercise(
    name="softmax_cross_entropy", title="softmax with cross-entropy", lesson=LAYERS,
    class_name="SoftmaxCrossEntropy", input_names=("logits", "target"), needs_grad=("logits",),
    reference=F.cross_entropy, cases=_cross_entropy_cases,
    mistakes=(
        Mistake("the loss is the mean over the batch: divide (p - y) by the number of examples n",
                lambda inputs, params, g: {"logits": _mean_of(inputs, g, lambda p, y: p - y)["logits"] * len(inputs[1])}),
        Mistake("the gradient is (p - y) / n: you left out the one-hot target y",
                lambda inputs, params, g: _mean_of(inputs, g, lambda p, y: p)),
    ),
    stub=stub_header("softmax_cross_entropy", "softmax followed by the cross-entropy loss, averaged over a batch",
                     LAYERS) + '''

class SoftmaxCrossEntropy(Function):
    def forward(self, logits, target):
        """logits: (n, classes) scores; target: (n,) class indices (ints).
        Returns the mean over the batch of -log softmax(logits)[target], a scalar."""
        shifted = logits - logits.max(axis=1, keepdims=True)  # no overflow in exp
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.saved = (np.exp(log_probs), target)
        return -log_probs[np.arange(len(target)), target].mean()

    def backward(self, grad):
        """grad: dL/dloss, a scalar (shape ()).
        Returns (dlogits, None): dlogits of shape (n, classes); the target gets no gradient.
        Rule: for one example, dloss/dz = p - y with p the softmax and y the one-hot target;
        the mean over n examples divides by n.
        """
        probs, target = self.saved
        raise NotImplementedError("write the backward of softmax_cross_entropy")
''')

BATCH_NORM_EPS = 1e-5


def batch_norm_reference(x, gamma, beta):
    """Training-mode batch normalisation of (n, features), composed from chainrule's ops."""
    centred = x - x.mean(dim=0, keepdim=True)
    var = (centred * centred).mean(dim=0, keepdim=True)
    return gamma * centred / cr.sqrt(var + BATCH_NORM_EPS) + beta


def _batch_norm_mistake(hint, dx):
    """A wrong dx, as ``dx(inv_std, x_hat, dx_hat)`` with dx_hat = gamma * dy."""
    def gradients(inputs, params, g):
        x, gamma, _ = inputs
        inv_std = 1 / np.sqrt(x.var(axis=0) + BATCH_NORM_EPS)
        return {"x": dx(inv_std, (x - x.mean(axis=0)) * inv_std, gamma * g)}
    return Mistake(hint, gradients)


def _batch_norm_cases(rng):
    def case(label, n, features, scale, shift):
        return Case(label, (rng.standard_normal((n, features)) * scale + shift, rng.uniform(0.5, 2.0, features),
                            rng.standard_normal(features)))
    return [case("random inputs", 6, 3, 1.0, 0.0), case("scaled and shifted inputs", 4, 2, 5.0, 3.0)]


BATCH_NORM_PATHS = "x reaches x_hat three ways: directly, through the mean and through the variance"

BATCH_NORM = Exercise(
    name="batch_norm", title="batch normalisation (training mode)", lesson=LAYERS, class_name="BatchNorm",
    input_names=("x", "gamma", "beta"), needs_grad=("x", "gamma", "beta"),
    reference=batch_norm_reference, cases=_batch_norm_cases,
    mistakes=(
        _batch_norm_mistake(f"{BATCH_NORM_PATHS}; your dx has only the direct path, gamma * dy / sqrt(var + eps)",
                            lambda s, x_hat, dx_hat: s * dx_hat),
        _batch_norm_mistake(f"{BATCH_NORM_PATHS}; your dx is missing the path through the variance "
                            "(the term with x_hat * sum(dy * x_hat))",
                            lambda s, x_hat, dx_hat: s * (dx_hat - dx_hat.mean(axis=0))),
        _batch_norm_mistake(f"{BATCH_NORM_PATHS}; your dx is missing the path through the mean (the term with sum(dy))",
                            lambda s, x_hat, dx_hat: s * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0))),
        Mistake("dgamma is the sum over the batch of dy * x_hat: gamma multiplies x_hat",
                lambda inputs, params, g: {"gamma": g.sum(axis=0)}),
    ),
    stub=stub_header("batch_norm", "batch normalisation in training mode, per feature over the batch",
                     LAYERS) + '''
EPS = 1e-5


class BatchNorm(Function):
    def forward(self, x, gamma, beta):
        """x: (n, features); gamma, beta: (features,). Normalises each feature over the batch
        with the batch's mean and (biased) variance: y = gamma * x_hat + beta."""
        mean = x.mean(axis=0)
        inv_std = 1 / np.sqrt(x.var(axis=0) + EPS)
        x_hat = (x - mean) * inv_std
        self.saved = (x_hat, inv_std, gamma)
        return gamma * x_hat + beta

    def backward(self, grad):
        """grad: dL/dy, shape (n, features).
        Returns (dx, dgamma, dbeta) of shapes (n, features), (features,), (features,).
        Rule: gamma and beta fan out over the batch; x reaches x_hat directly, through the
        mean and through the variance: derive it step by step (docs/math.md, section 4).
        """
        x_hat, inv_std, gamma = self.saved
        raise NotImplementedError("write the backward of batch_norm")
''')


def _max_pool_cases(rng):
    return [Case("random inputs", (rng.standard_normal((2, 2, 4, 4)),)),
            Case("ties (values 0 and 1 only)", (rng.integers(0, 2, (2, 1, 4, 6)).astype(float),), smooth=False)]


def _windows(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2)


def _spread(g):
    return np.repeat(np.repeat(g, 2, axis=2), 2, axis=3)


def _pool_to_every_max(inputs, params, g):
    x = inputs[0]
    out = _windows(x).max(axis=(3, 5))
    return {"x": _spread(g) * (x == _spread(out))}


MAX_POOL = Exercise(
    name="max_pool", title="2x2 max pooling", lesson=LAYERS, class_name="MaxPool",
    input_names=("x",), needs_grad=("x",),
    reference=lambda x: F.max_pool2d(x, 2), cases=_max_pool_cases,
    mistakes=(
        Mistake("in a window with a tie the gradient goes to the first maximum only (row-major order, as in "
                "PyTorch); yours goes to every maximum", _pool_to_every_max),
        Mistake("max pooling routes each window's gradient to its maximum only; you sent it to all four positions",
                lambda inputs, params, g: {"x": _spread(g)}),
        Mistake("max pooling routes each window's gradient to its maximum, whole; you spread it evenly "
                "(that is average pooling)", lambda inputs, params, g: {"x": _spread(g) / 4}),
    ),
    stub=stub_header("max_pool", "2x2 max pooling with stride 2", LAYERS) + '''

class MaxPool(Function):
    def forward(self, x):
        """x: (n, c, h, w) with h and w even. Returns the maximum of every 2x2 window,
        shape (n, c, h/2, w/2)."""
        n, c, h, w = x.shape
        windows = x.reshape(n, c, h // 2, 2, w // 2, 2)
        out = windows.max(axis=(3, 5))
        self.saved = (x, out)
        return out

    def backward(self, grad):
        """grad: dL/dout, shape (n, c, h/2, w/2). Returns (dx,), dx of shape (n, c, h, w).
        Rule: the max gate, per window: the window's gradient goes to the position of its
        maximum, 0 to the others. A tie goes to the first maximum in row-major order
        (top-left first), as in PyTorch.
        """
        x, out = self.saved
        raise NotImplementedError("write the backward of max_pool")
''')


def _conv_cases(rng):
    def case(label, x_shape, w_shape):
        return Case(label, (rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])))
    return [case("random inputs", (2, 2, 5, 5), (3, 2, 3, 3)), case("other sizes", (1, 1, 4, 6), (2, 1, 2, 2))]


def _unrotated_dx(inputs, params, g):
    """dx of a backward that forgot to rotate the kernel: the right dx for the rotated kernel."""
    x, w, b = (cr.tensor(a, dtype="float64") for a in inputs)
    x.requires_grad = True
    F.conv2d(x, cr.tensor(np.ascontiguousarray(inputs[1][:, :, ::-1, ::-1])), b).backward(cr.tensor(g))
    return {"x": np.asarray(x.grad)}


CONV = Exercise(
    name="conv", title="2-d convolution (stride 1, no padding)", lesson=LAYERS, class_name="Conv",
    input_names=("x", "w", "b"), needs_grad=("x", "w", "b"),
    reference=F.conv2d, cases=_conv_cases,
    mistakes=(Mistake("dx is the *full* convolution of the upstream gradient with the kernel rotated by 180 "
                      "degrees; yours used the kernel unrotated", _unrotated_dx),),
    stub=stub_header("conv", "2-d convolution (a cross-correlation), stride 1, no padding", LAYERS) + '''

class Conv(Function):
    def forward(self, x, w, b):
        """x: (n, c, h, w_in); w: (o, c, k, k); b: (o,).
        Returns y (n, o, h - k + 1, w_in - k + 1) with
        y[n, o, i, j] = b[o] + sum over c, p, q of w[o, c, p, q] * x[n, c, i + p, j + q]."""
        k = w.shape[2]
        ho, wo = x.shape[2] - k + 1, x.shape[3] - k + 1
        out = np.zeros((x.shape[0], w.shape[0], ho, wo)) + b.reshape(1, -1, 1, 1)
        for p in range(k):
            for q in range(k):
                out += np.einsum("ncij,oc->noij", x[:, :, p:p + ho, q:q + wo], w[:, :, p, q])
        self.saved = (x, w)
        return out

    def backward(self, grad):
        """grad: dL/dy, shape (n, o, ho, wo).
        Returns (dx, dw, db) of the shapes of x, w and b.
        Rules: each bias touches every output position of its channel; dw is the
        cross-correlation of x with grad; dx is the full convolution of grad with the
        kernel rotated by 180 degrees (or: add each offset's share back, as forward took it).
        """
        x, w = self.saved
        raise NotImplementedError("write the backward of conv")
''')

EXERCISES = (AFFINE, SOFTMAX_CROSS_ENTROPY, BATCH_NORM, MAX_POOL, CONV)
