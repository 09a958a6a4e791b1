"""Arithmetic over named scalars, parsed safely with ``ast`` (never ``eval``).

    expr = parse("(x + y) * z")
    f = expr.evaluate({"x": -2, "y": 5, "z": -4})   # a float64 Tensor with a graph

Allowed: numbers, names, + - * / **, unary minus and plus, and calls of exp, log,
sqrt, tanh, sin, cos, sigmoid, relu, abs (one argument), max and min (two). Everything else
(attribute access, subscripts, other calls, lambdas, comprehensions, ...) is rejected
with its column.
"""
import ast
import warnings

import numpy as np

from .. import ops
from ..tensor import Tensor

MAX_LENGTH = 500
_CONTROL_CHARACTERS = frozenset(map(chr, [*range(32), 127])) - {"\t"}
_LARGEST_FLOAT = int(np.finfo(np.float64).max)

FUNCTIONS = {
    "exp": (1, ops.exp), "log": (1, ops.log), "sqrt": (1, ops.sqrt), "tanh": (1, ops.tanh),
    "sin": (1, ops.sin), "cos": (1, ops.cos),
    "sigmoid": (1, ops.sigmoid), "relu": (1, ops.relu), "abs": (1, ops.abs),
    "max": (2, ops.maximum), "min": (2, ops.minimum),
}
_BINARY = {ast.Add: ops.add, ast.Sub: ops.sub, ast.Mult: ops.mul, ast.Div: ops.div, ast.Pow: ops.pow}
_UNARY = (ast.USub, ast.UAdd)
_FORBIDDEN = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Compare: "comparisons", ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions", ast.NamedExpr: "assignments (:=)",
    ast.Starred: "starred arguments", ast.JoinedStr: "strings", ast.List: "lists",
    ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets", ast.Await: "await",
}


class ExpressionError(ValueError):
    """A rejected expression; the message names the problem, its column and points at it."""

    def __init__(self, message, text, column):
        self.column = column  # 1-based
        pointer = f"\n  {text}\n  {' ' * (column - 1)}^" if text else ""
        super().__init__(f"{message} (column {column}){pointer}")


class Expression:
    """A validated expression: ``variables`` in order of first use, ``evaluate(values)``."""

    def __init__(self, text, tree, variables):
        self.text, self.tree, self.variables = text, tree, variables

    def evaluate(self, values):
        """Build the float64 graph for ``values`` (name -> number); returns the output Tensor.

        Every variable becomes a named leaf that requires grad; the output is named ``f``.
        """
        unknown = [name for name in values if name not in self.variables]
        missing = [name for name in self.variables if name not in values]
        if missing:
            node = next(n for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == missing[0])
            raise ExpressionError(
                f"no value for {missing[0]!r}; set it, e.g. {missing[0]}=1", self.text,
                _column(self.text, node.col_offset)
            )
        if unknown:
            raise ValueError(
                f"explain: {', '.join(map(repr, unknown))} not used in {self.text!r} "
                f"(its names: {', '.join(self.variables) or 'none'})"
            )
        leaves = {}
        for name in self.variables:
            leaves[name] = Tensor(np.float64(_number(name, values[name])), requires_grad=True)
            leaves[name].name = name
        with np.errstate(all="ignore"):
            out = self._build(self.tree.body, leaves)
        if not isinstance(out, Tensor) or not out.requires_grad:
            raise ValueError(f"explain: {self.text!r} has no variables to differentiate")
        if out.grad_fn is not None:
            out.name = out.name or "f"
        return out

    def _build(self, node, leaves):
        if isinstance(node, ast.Constant):
            return np.float64(node.value)
        if isinstance(node, ast.Name):
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self._build(node.operand, leaves)
            if isinstance(node.op, ast.UAdd):
                return operand
            return -operand if not isinstance(operand, Tensor) else ops.neg(operand)
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._build(node.left, leaves), self._build(node.right, leaves))
        _, fn = FUNCTIONS[node.func.id]
        return fn(*(self._build(arg, leaves) for arg in node.args))


def _number(name, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"explain: the value of {name!r} must be a number, got {value!r}") from None


def parse(text):
    """Validate ``text``; returns an ``Expression`` or raises ``ExpressionError``."""
    if not isinstance(text, str):
        raise TypeError(f"explain: the expression must be a string, got {type(text).__name__}")
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", "", MAX_LENGTH + 1)
    if "\n" in text:
        raise ExpressionError("the expression must be one line", "", text.index("\n") + 1)
    control = next((i for i, char in enumerate(text) if char in _CONTROL_CHARACTERS), None)
    if control is not None:
        raise ExpressionError(f"control character {text[control]!r} in the expression", "", control + 1)
    try:
        with warnings.catch_warnings():  # e.g. invalid escapes in a string, which is refused anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        if not exc.offset or exc.offset > len(text):  # Python reports 0 at the end of input
            raise ExpressionError("syntax error: unexpected end of the expression", text, len(text) + 1) from None
        raise ExpressionError(f"syntax error: {exc.msg}", text, exc.offset) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression nested too deeply", "", 1) from None
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    first_use = {}
    for node in ast.walk(tree):
        if id(node) in callees:
            continue
        _check(node, text)
        if isinstance(node, ast.Name):
            first_use[node.id] = min(first_use.get(node.id, len(text)), node.col_offset)
    return Expression(text, tree, sorted(first_use, key=first_use.get))


def _column(text, utf8_offset):
    """The 1-based character column of ``ast``'s ``col_offset`` (which counts UTF-8 bytes)."""
    return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", errors="ignore")) + 1


def _check(node, text):
    offset = getattr(node, "col_offset", 0)
    if isinstance(node, (ast.Attribute, ast.Subscript)):  # point at the '.' or the '['
        offset = node.value.end_col_offset
    column = _column(text, offset)
    if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop)):
        return
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise ExpressionError(f"only numbers are allowed, not {node.value!r}", text, column)
        if type(node.value) is int and abs(node.value) > _LARGEST_FLOAT:
            raise ExpressionError("number too large for a float64", text, column)
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it as {node.id}(...)", text, column)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(
                f"operator {type(node.op).__name__} is not supported; use + - * / **", text, column
            )
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, _UNARY):
            raise ExpressionError("only unary minus and plus are supported", text, column)
    elif isinstance(node, ast.Call):
        _check_call(node, text, column)
    else:
        what = _FORBIDDEN.get(type(node), type(node).__name__)
        raise ExpressionError(f"{what} not allowed in an expression", text, column)


def _check_call(node, text, column):
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(f"only calls of {', '.join(FUNCTIONS)} are allowed", text, column)
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(f"unknown function {name!r}; known: {', '.join(FUNCTIONS)}", text, column)
    if node.keywords:
        raise ExpressionError(f"{name}: keyword arguments are not allowed", text, column)
    arity = FUNCTIONS[name][0]
    if len(node.args) != arity:
        plural = "s" if arity > 1 else ""
        raise ExpressionError(f"{name} takes {arity} argument{plural}, got {len(node.args)}", text, column)
