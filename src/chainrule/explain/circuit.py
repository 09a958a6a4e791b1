"""The circuit a diagram shows, read off a backpropagated graph (``Account``).

Boxes are the values a reader refers to: leaves, the output, every value with a name and
every value used more than once (its box shows the total gradient). Every other value, an
anonymous result used once, is drawn as the wire between two gates, labelled CS231n-style
with its value above (blue) and its gradient below (red). Where a boxed value fans out,
each of its wires carries the share of the gradient that came back along it: the box shows
their sum. Constant operands (Python numbers) are folded into their gate's label (``+1``,
``**2``, ``1/``); the inputs of non-commutative gates enter labelled ports (``a``, ``b``).
The box of a value that max pooling reads also shows its routing mask: how many windows
send their gradient to each position (grey; white where no gradient arrives).
"""
import numpy as np

from ..ops.pooling import MaxPool2d, ReLUMaxPool2d
from ..tensor import Tensor
from .graph import DIGITS, ELEMENTS_SHOWN, array_of, format_number, array_statistics, shape_text
from ..pictures import heatmap_png
from .routing import routing_mask
from .rules import rule_for

VALUE_COLOR, GRAD_COLOR, NAME_COLOR, CONST_COLOR = "#1f4e9e", "#c62828", "#111111", "#666666"
ROUTE_COLOR = "#555555"

# the roles of the operands of gates whose inputs do not commute, in input order
PORT_ROLES = {
    "sub": ("a", "b"), "div": ("a", "b"), "pow": ("a", "p"), "matmul": ("A", "B"),
    "linear": ("x", "W", "b"), "conv2d": ("x", "w", "b"), "batchnorm": ("x", "γ", "β"),
    "crossentropy": ("z", "y"), "quadraticcost": ("a", "y"), "where": ("c", "a", "b"), "getitem": ("a",),
}
COMMUTATIVE = {"add", "mul", "maximum", "minimum"}


class Node:
    """A box (kind "value" or "const") or a gate; ``lines`` are (text, color, bold);
    ``pictures`` (PNG bytes, frame color): heatmaps of an array's value and gradient."""

    __slots__ = ("key", "kind", "lines", "ports", "pictures", "w", "h", "x", "y", "layer")

    def __init__(self, key, kind, lines, ports=0, pictures=()):
        self.key, self.kind, self.lines, self.ports = key, kind, lines, ports
        self.pictures = list(pictures)
        self.w = self.h = self.x = self.y = 0.0
        self.layer = 0


class Wire:
    """From node ``src`` to node ``dst`` (into gate input ``port``, None for a box).

    ``source_label``: (value text, gradient text) written above/below the wire where it
    leaves its source; ``target_label``: (text, color, role) written where it enters its
    gate (a fan-out share and/or the operand's role)."""

    __slots__ = ("src", "dst", "port", "source_label", "target_label", "route")

    def __init__(self, src, dst, port=None, source_label=None, target_label=None):
        self.src, self.dst, self.port = src, dst, port
        self.source_label, self.target_label = source_label, target_label
        self.route = []


def _uses(account):
    uses = {}
    for t in account.values:
        if t.grad_fn is not None:
            for inp in t.grad_fn.inputs:
                if isinstance(inp, Tensor):
                    uses[id(inp)] = uses.get(id(inp), 0) + 1
    return uses


def boxed(t, account, uses):
    """Whether value ``t`` gets a box (else it is the wire between two gates)."""
    return t.grad_fn is None or t is account.output or bool(t.name) or uses.get(id(t), 0) != 1


def gate_label(node, account):
    """The gate's symbol with its constant operands folded in: ``+1``, ``**2``, ``1/``
    (a constant first operand stays in front where the order matters)."""
    op = node.op_name()
    symbol = rule_for(op).symbol
    before, after = [], []
    for i, inp in enumerate(node.inputs):
        if not isinstance(inp, Tensor):
            in_front = i == 0 and len(node.inputs) > 1 and op not in COMMUTATIVE
            (before if in_front else after).append(_constant_label(inp, account))
    return "".join(before) + symbol + "".join(after)


def _constant_label(value, account):
    a = np.asarray(value)
    return account.fmt(a) if a.size == 1 else "[" + "x".join(map(str, a.shape)) + "]"


def box_contents(name, value, grad, account, routes=None):
    """(lines, pictures) of a value's box: its name, value and gradient; an array too big
    to list shows its shape and statistics, and its heatmaps where it has a picture.
    ``routes``: the routing mask of a max pooling that reads the value, if one does."""
    value = np.asarray(value)
    if value.size <= ELEMENTS_SHOWN:
        lines = [(name, NAME_COLOR, True), (account.fmt(value), VALUE_COLOR, False)]
        if grad is not None:
            lines.append(("grad " + account.fmt(grad), GRAD_COLOR, False))
        if routes is not None:
            lines.append(("routes " + account.fmt(routes), ROUTE_COLOR, False))
        return lines, []
    lines = [(f"{name} ({shape_text(value)})", NAME_COLOR, True)]
    pictures = []
    for prefix, array, color in (("", value, VALUE_COLOR), ("grad ", grad, GRAD_COLOR)):
        if array is None:
            continue
        parts = array_statistics(array, account.digits)
        lines += [(prefix + " ".join(parts[:2]), color, False), (" " * len(prefix) + " ".join(parts[2:]), color, False)]
        png = heatmap_png(array)
        if png is not None:
            pictures.append((png, color))
    if routes is not None:
        lines.append((f"routes: gradient reaches {np.mean(routes > 0):.0%}", ROUTE_COLOR, False))
        png = heatmap_png(routes)
        if png is not None:
            pictures.append((png, ROUTE_COLOR))
    return lines, pictures


def _routing_masks(account):
    """id(value) -> its routing mask, for each value a max pooling in the graph reads."""
    return {id(t.grad_fn.inputs[0]): routing_mask(t) for t in account.values
            if isinstance(t.grad_fn, (MaxPool2d, ReLUMaxPool2d))}


def wire_text(array, account):
    """A value or gradient on a wire: numbers in full, a big array as shape and mean |.|."""
    a = np.asarray(array)
    if a.size <= ELEMENTS_SHOWN:
        return account.fmt(a)
    return f"({shape_text(a)}) mean|.| {format_number(np.abs(a).mean(), account.digits or DIGITS)}"


def circuit(account):
    """(nodes, wires) of ``account``'s graph, nodes in forward order."""
    uses = _uses(account)
    masks = _routing_masks(account)
    shares = {(id(c.output), c.index): c.grad for c in account.contributions}
    nodes, wires, source_of = [], [], {}  # source_of: id(value) -> (node key, its label)

    for t in account.values:
        node = t.grad_fn
        if node is not None:
            tensor_inputs = [(i, inp) for i, inp in enumerate(node.inputs) if isinstance(inp, Tensor)]
            roles = PORT_ROLES.get(node.op_name(), ())
            labelled = node.op_name() not in COMMUTATIVE and len(tensor_inputs) > 1
            gate = Node(f"g{len(nodes)}", "gate", [(gate_label(node, account), NAME_COLOR, True)], len(tensor_inputs))
            nodes.append(gate)
            for port, (i, inp) in enumerate(tensor_inputs):
                src, label = source_of[id(inp)]
                role = (roles[i] if i < len(roles) else str(i + 1)) if labelled else None
                share = shares.get((id(t), i)) if uses.get(id(inp), 0) > 1 else None
                target = None
                if role is not None or share is not None:
                    target = (None if share is None else wire_text(share, account), role)
                wires.append(Wire(src, gate.key, port, label, target))
        if boxed(t, account, uses) or id(t) in masks:  # a routing mask needs a box
            lines, pictures = box_contents(account.name(t), array_of(t), account.grads.get(id(t)), account,
                                           masks.get(id(t)))
            box = Node(f"v{len(nodes)}", "value" if t.requires_grad else "const", lines, pictures=pictures)
            nodes.append(box)
            if node is not None:
                wires.append(Wire(gate.key, box.key))
            source_of[id(t)] = (box.key, None)
        else:
            grad = account.grads.get(id(t))
            source_of[id(t)] = (gate.key, (wire_text(array_of(t), account), None if grad is None else wire_text(grad, account)))
    return nodes, wires
