"""How each op reads in a trace or a diagram: its formula, its gate rule, its local gradients.

Pure presentation: the numbers always come from the engine. In the templates ``{0}``,
``{1}``, ... are the input names, ``{out}`` the output's name and ``{g}`` the name of
the upstream gradient (``dq`` for d(output)/dq).
"""
import re
from typing import NamedTuple

from .graph import term


class Rule(NamedTuple):
    symbol: str        # the gate's label in a diagram
    forward: str       # the forward formula
    gate: str          # the local-gradient rule in words
    local: tuple       # per input: the contribution dx += ... as a formula


_TABLE = {
    "add": Rule("+", "{0} + {1}", "add gate: the upstream gradient is copied to every input",
                ("{g}", "{g}")),
    "sub": Rule("-", "{0} - {1}", "subtract: d/da = 1, d/db = -1", ("{g}", "-{g}")),
    "mul": Rule("*", "{0} * {1}",
                "multiply gate: each input gets the other input times the upstream gradient",
                ("{g} * {1}", "{g} * {0}")),
    "div": Rule("/", "{0} / {1}", "divide: d(a/b)/da = 1/b, d(a/b)/db = -a/b^2",
                ("{g} / {1}", "-{g} * {out} / {1}")),
    "pow": Rule("**", "{0} ** {1}", "power: d(a^p)/da = p a^(p-1), d(a^p)/dp = a^p ln a",
                ("{g} * {1} * {0} ** ({1} - 1)", "{g} * {out} * log({0})")),
    "neg": Rule("neg", "-{0}", "negate: d(-a)/da = -1", ("-{g}",)),
    "matmul": Rule("@", "{0} @ {1}", "matrix product D = A @ B: dA = dD @ B^T, dB = A^T @ dD",
                   ("{g} @ {1}.T", "{0}.T @ {g}")),
    "exp": Rule("exp", "exp({0})", "exp gate: d e^a/da = e^a", ("{g} * {out}",)),
    "log": Rule("log", "log({0})", "log: d ln(a)/da = 1/a", ("{g} / {0}",)),
    "sqrt": Rule("sqrt", "sqrt({0})", "square root: d sqrt(a)/da = 1/(2 sqrt(a))",
                 ("{g} / (2 * {out})",)),
    "abs": Rule("abs", "abs({0})", "absolute value: d|a|/da = sign(a)", ("{g} * sign({0})",)),
    "sin": Rule("sin", "sin({0})", "d sin(a)/da = cos(a)", ("{g} * cos({0})",)),
    "cos": Rule("cos", "cos({0})", "d cos(a)/da = -sin(a)", ("-{g} * sin({0})",)),
    "tanh": Rule("tanh", "tanh({0})", "tanh gate: d tanh(a)/da = 1 - t^2",
                 ("{g} * (1 - {out}**2)",)),
    "sigmoid": Rule("σ", "sigmoid({0})", "sigmoid gate: d s(a)/da = s (1 - s)",
                    ("{g} * {out} * (1 - {out})",)),
    "relu": Rule("relu", "relu({0})", "relu gate: 1 where a > 0, else 0", ("{g} * ({0} > 0)",)),
    "leakyrelu": Rule("lrelu", "leaky_relu({0})", "leaky relu: 1 where a > 0, else the slope",
                      ("{g} * ({0} > 0 ? 1 : slope)",)),
    "clamp": Rule("clamp", "clamp({0})", "clamp: 1 inside [min, max], 0 where clipped",
                  ("{g} * (inside)",)),
    "maximum": Rule("max", "max({0}, {1})",
                    "max gate: the gradient is routed to the larger input (split on a tie)",
                    ("{g} * ({0} is the max)", "{g} * ({1} is the max)")),
    "minimum": Rule("min", "min({0}, {1})",
                    "min gate: the gradient is routed to the smaller input (split on a tie)",
                    ("{g} * ({0} is the min)", "{g} * ({1} is the min)")),
    "where": Rule("where", "where({0}, {1}, {2})", "where: routed to the chosen input",
                  ("", "{g} where {0}", "{g} where not {0}")),
    "cast": Rule("cast", "{0}.to(dtype)", "cast: identity", ("{g}",)),
    "sum": Rule("Σ", "sum({0})", "sum: every element gets the upstream gradient",
                ("broadcast({g})",)),
    "mean": Rule("mean", "mean({0})", "mean: every element gets the upstream gradient / N",
                 ("broadcast({g}) / N",)),
    "var": Rule("var", "var({0})", "variance: d var/da = 2 (a - mean) / (N - correction)",
                ("{g} * 2 * ({0} - mean) / (N - correction)",)),
    "extreme": Rule("max", "max({0})", "max: routed to the maximum (split between ties)",
                    ("{g} at the argmax",)),
    "minall": Rule("min", "min({0})", "min: routed to the minimum (split between ties)",
                   ("{g} at the argmin",)),
    "extremealongdim": Rule("max", "max({0})", "max along a dim: routed to the argmax",
                            ("{g} at the argmax",)),
    "minalongdim": Rule("min", "min({0})", "min along a dim: routed to the argmin",
                        ("{g} at the argmin",)),
    "logsumexp": Rule("lse", "logsumexp({0})", "logsumexp: d lse/da = softmax(a)",
                      ("{g} * softmax({0})",)),
    "softmax": Rule("softmax", "softmax({0})", "softmax: da = s (.) (g - sum(g s))",
                    ("{out} * ({g} - sum({g} * {out}))",)),
    "logsoftmax": Rule("log_softmax", "log_softmax({0})", "log-softmax: da = g - softmax(a) sum(g)",
                       ("{g} - softmax({0}) * sum({g})",)),
    "reshape": Rule("reshape", "reshape({0})", "reshape: the gradient is reshaped back",
                    ("reshape({g})",)),
    "permute": Rule("permute", "permute({0})", "permute: the gradient is permuted back",
                    ("permute_back({g})",)),
    "expand": Rule("expand", "expand({0})", "expand: summed over the expanded axes",
                   ("sum_expanded({g})",)),
    "cat": Rule("cat", "cat({args})", "cat: each input gets its slice of the gradient", ()),
    "stack": Rule("stack", "stack({args})", "stack: each input gets its slice of the gradient", ()),
    "linear": Rule("linear", "linear({args})",
                   "linear y = x W^T + b: dx = dy W, dW = dy^T x, db = dy summed over the batch",
                   ("{g} @ {1}", "{g}.T @ {0}", "sum_batch({g})")),
    "conv2d": Rule("conv", "conv2d({args})",
                   "convolution: dx = full convolution of dy with the kernel rotated 180 degrees, "
                   "dw = cross-correlation of x with dy, db = dy summed over n, h, w",
                   ("full_conv({g}, rot180({1}))", "correlate({0}, {g})", "sum_nhw({g})")),
    "maxpool2d": Rule("maxpool", "max_pool2d({0})",
                      "max pooling: each window's gradient goes to the position of its maximum",
                      ("route_to_max({g})",)),
    "relumaxpool2d": Rule("relu+maxpool", "max_pool2d(relu({0}))",
                          "max pooling of relu: each window's gradient goes to the position of its "
                          "maximum, if that maximum is > 0",
                          ("route_to_max({g} * ({out} > 0))",)),
    "avgpool2d": Rule("avgpool", "avg_pool2d({0})",
                      "average pooling: each window's gradient is spread evenly over it",
                      ("spread({g}) / window_size",)),
    "batchnorm": Rule("BN", "batch_norm({args})",
                      "batch norm: dx = (1/N) gamma/sqrt(var + eps) (N dy - sum dy - x_hat sum(dy x_hat)), "
                      "dgamma = sum(dy x_hat), dbeta = sum(dy)",
                      ("batchnorm_dx({g})", "sum({g} * x_hat)", "sum({g})")),
    "dropout": Rule("dropout", "dropout({0})", "dropout: the gradient passes, scaled, where the mask kept a unit",
                    ("{g} * {1}",)),
    "quadraticcost": Rule("C", "quadratic_cost({0}, {1})",
                          "quadratic cost C = 1/(2n) sum ||a - y||^2: dC/da = (a - y) / n",
                          ("{g} * ({0} - {1}) / n", "-{g} * ({0} - {1}) / n")),
    "crossentropy": Rule("CE", "cross_entropy({0}, {1})",
                         "softmax cross-entropy: d/dlogits = (softmax(logits) - onehot(y)) / n",
                         ("{g} * (softmax({0}) - onehot({1})) / n",)),
    "getitem": Rule("[]", "{0}[index]", "indexing: scattered back into zeros (repeats add)",
                    ("scatter({g})",)),
}


def rule_for(op):
    """The presentation rule of an op name; a generic one for ops not in the table."""
    rule = _TABLE.get(op)
    if rule is not None:
        return rule
    return Rule(op, op + "({args})", f"{op}: its own backward", ())


def forward_formula(op, input_names, params, input_ndim=None):
    """E.g. ``x + y``, ``sum(x, dim=1)`` or ``max_pool2d(a, kernel_size=2, stride=2)``."""
    text = _fill(rule_for(op).forward, input_names)
    shown = shown_params(params, input_ndim)
    if shown and text.endswith(")"):
        text = text[:-1] + "".join(f", {k}={_short_repr(v)}" for k, v in shown.items()) + ")"
    return text


def _fill(template, names):
    """The template with the input names in place: bare as a call's argument (``sum(x + y)``),
    parenthesised where an operator binds them (``(x + y) * z``)."""
    def field(match):
        if match.group(1) == "args":
            return ", ".join(names)
        name = names[int(match.group(1))]
        argument = template[:match.start()].endswith(("(", ", ")) and template[match.end():].startswith((")", ","))
        return name if argument else term(name)

    return re.sub(r"\{(\d+|args)\}", field, template)


# what an op keeps for its backward or for bookkeeping, not what the user wrote
_INTERNAL = {"running_mean", "running_var", "divisor", "indices", "index", "training", "momentum"}
_DEFAULTS = {"keepdim": False, "reduction": "mean", "label_smoothing": 0.0, "groups": 1, "stride": 1,
             "dilation": 1, "padding": 0, "eps": 1e-05, "correction": 1, "ignore_index": -100,
             "approximate": "none"}


def shown_params(params, input_ndim=None):
    """An op's keyword parameters as the user wrote them: pooling geometry as kernel_size,
    stride and padding, square pairs as one number, defaults and internals left out, the
    dims of a reduction over every axis left out (``sum(x)``)."""
    shown = {}
    for key, value in (params or {}).items():
        if hasattr(value, "kernel") and hasattr(value, "stride"):  # pooling's PoolGeometry
            shown.update(kernel_size=value.kernel, stride=value.stride, padding=value.padding,
                         dilation=getattr(value, "dilation", 1))
        elif key == "pads":  # conv2d's ((top, bottom), (left, right))
            pairs = tuple(value)
            shown["padding"] = tuple(p[0] for p in pairs) if all(p[0] == p[1] for p in pairs) else pairs
        elif key == "dims":
            dims = tuple(value)
            if input_ndim is None or sorted(dims) != list(range(input_ndim)):
                shown["dim"] = dims[0] if len(dims) == 1 else dims
        elif key == "dtype":
            shown[key] = _Plain(getattr(value, "__name__", str(value)))
        elif key not in _INTERNAL and value is not None and not hasattr(value, "shape"):
            shown[key] = value
    out = {}
    for key, value in shown.items():
        if isinstance(value, tuple) and value and all(v == value[0] for v in value) and key != "shape":
            value = value[0]  # (2, 2) -> 2, as written in nn.MaxPool2d(2)
        if key not in _DEFAULTS or value != _DEFAULTS[key]:
            out[key] = value
    return out


class _Plain(str):
    def __repr__(self):
        return str(self)


def _short_repr(value, limit=24):
    text = " ".join(repr(value).split())  # never more than one line
    if text.startswith("<"):  # an object without a readable repr: its type says enough
        return type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


_FIELD = re.compile(r"\{(\d+|out|g)\}(\.T)?")


def contribution_formula(op, index, show):
    """The contribution to input ``index``, each operand as ``show(field, transposed)``
    writes it (field: an input's position as text, "out" or "g"): ``df * z`` with names,
    ``1 * (-4)`` with numbers, ``dD (5x3) @ X^T (3x10)`` with shapes; None for an op
    without a written rule."""
    local = rule_for(op).local
    if index < len(local) and local[index]:
        return _FIELD.sub(lambda m: show(m.group(1), bool(m.group(2))), local[index])
    return None
