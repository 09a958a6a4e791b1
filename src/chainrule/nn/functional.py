"""``chainrule.nn.functional``: stateless layers, activations and losses, as in
``torch.nn.functional``. Each function checks its arguments and applies op classes
from ``chainrule.ops``."""
from ..ops.linear import Linear as _Linear


def linear(input, weight, bias=None):
    """y = input W^T + b; input (*, in), weight (out, in), bias (out,) or None -> (*, out)."""
    if bias is None:
        return _Linear.apply(input, weight)
    return _Linear.apply(input, weight, bias)
