"""``einsum``: sums of products named by subscripts, as ``torch.einsum`` and ``numpy.einsum``."""
import string

from ..autograd.function import ALL_INPUTS, Function, ShapeError
from ..backend import xp


def explicit_equation(equation, ndims):
    """``equation`` with spaces removed, every '...' replaced by letters (right-aligned, so
    broadcast dims share letters) and the output written out (implicit: the ellipsis dims, then
    the letters used once, in alphabetical order). Returns (input subscripts, output subscripts)."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operands, got {len(ndims)}")
    used = set(equation) - set(".,->")
    if not all(c in string.ascii_letters for c in used):
        raise ValueError(f"einsum: subscripts must be letters, got {equation!r}")
    spare = [c for c in string.ascii_letters if c not in used]
    widths = [n - len(t.replace("...", "")) if "..." in t else 0 for t, n in zip(terms, ndims)]
    width = max(widths, default=0)
    ellipsis = "".join(spare[:width])
    subscripts = []
    for term, w, n in zip(terms, widths, ndims):
        term = term.replace("...", ellipsis[width - w:])
        if len(term) != n:
            raise ShapeError(f"einsum: subscripts {term!r} do not match an operand with {n} dims")
        subscripts.append(term)
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        counts = "".join(subscripts)
        output = ellipsis + "".join(sorted(c for c in set(counts) - set(ellipsis) if counts.count(c) == 1))
    return subscripts, output


class Einsum(Function):
    """out = einsum(equation, *xs); ``subscripts`` and ``output`` from ``explicit_equation``."""

    __slots__ = ("subscripts", "output", "shapes")
    saves_inputs, saves_output = ALL_INPUTS, True  # every operand (and the output, a view of one for "ij->ji")

    def forward(self, *xs, subscripts=(), output=""):
        for term in subscripts:
            if len(set(term)) != len(term):
                raise ValueError(f"einsum: a subscript repeated within one operand ({term!r}, a "
                                 "diagonal) is not supported")
        self.subscripts, self.output = subscripts, output
        self.shapes = [x.shape for x in xs]
        self.saved = xs
        return xp.einsum(f"{','.join(subscripts)}->{output}", *xs)

    def backward(self, grad):
        """d out / d x_k: the product of dy with the other operands, summed back to x_k's
        subscripts; letters only x_k has were summed over, so their gradient is broadcast."""
        grads = []
        for k, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [s for i, s in enumerate(self.subscripts) if i != k]
            present = set(self.output).union(*others)
            term = self.subscripts[k]
            kept = "".join(c for c in term if c in present)
            arrays = [grad] + [x for i, x in enumerate(self.saved) if i != k]
            g = xp.einsum(f"{','.join([self.output] + others)}->{kept}", *arrays)
            missing = [i for i, c in enumerate(term) if c not in present]
            if missing:
                g = xp.expand_dims(g, missing)
                g = xp.broadcast_to(g, tuple(self.shapes[k][i] if i in missing else n for i, n in enumerate(g.shape)))
            grads.append(g)
        return tuple(grads)
