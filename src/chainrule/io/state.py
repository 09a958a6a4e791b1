"""Nested training state (optimizer, scheduler, data loader, RNG) in a safetensors file.

``flatten_state`` splits nested dicts, lists and tuples of arrays, numbers, strings, booleans
and None into ``(arrays, structure)``: the arrays go into safetensors, ``structure`` is JSON
in which each array is referenced by name. Containers are tagged so nothing is ambiguous:

    dict  -> {"dict": [[key, value], ...]}   (str or int keys, order kept)
    tuple -> {"tuple": [...]}                list -> [...]
    array -> {"array": name}                 NumPy scalar -> {"scalar": name} (dtype kept)
    Tensor -> {"tensor": name}
    nan, inf, -inf -> {"float": "nan"}, ...  int, finite float, str, bool, None -> themselves

A Tensor is stored as its array (``requires_grad`` and the graph are not kept) and comes back
as a Tensor only where the reader asks (``unflatten_state(tensor=...)``, as ``chainrule.load``
does); ``load_state`` gives arrays. An object with a ``state_dict`` method (a Module, an
optimizer) is refused with the advice to store its state dict. Nothing is pickled; the structure read back from a file
is validated like the rest of it.
"""
import json
import math
from collections.abc import Mapping

import numpy as np

from ..tensor import Tensor
from .checkpoint import read_checkpoint, save_arrays
from .errors import CheckpointError

STATE_KEY = "chainrule.state"  # metadata entry holding the JSON structure
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def flatten_state(state, who="flatten_state"):
    """``(arrays, structure)``: the arrays of ``state`` by name, and its JSON structure.
    ``who`` (the public function) begins every error message."""
    arrays = {}

    def add(path, array):
        name = ".".join(map(str, path)) or "state"
        unique, n = name, 1
        while unique in arrays or unique == "__metadata__":  # safetensors reserves that name
            unique, n = f"{name}#{n}", n + 1
        arrays[unique] = array
        return unique

    def encode(value, path):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):  # before float: np.float64 is a float
            return {"scalar": add(path, np.asarray(value))}
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, Tensor):
            return {"tensor": add(path, value._data)}
        if isinstance(value, np.ndarray):
            return {"array": add(path, value)}
        if isinstance(value, Mapping):
            for key in value:
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise TypeError(f"{who}: key {key!r} at {_where(path)} must be a "
                                    "str or an int")
            return {"dict": [[key, encode(v, (*path, key))] for key, v in value.items()]}
        if isinstance(value, (list, tuple)):
            items = [encode(v, (*path, i)) for i, v in enumerate(value)]
            return {"tuple": items} if isinstance(value, tuple) else items
        if callable(getattr(value, "state_dict", None)):
            raise TypeError(f"{who}: cannot store the {type(value).__name__} at {_where(path)}: "
                            "files hold values, not code; store its state_dict() instead (e.g. "
                            "model.state_dict(), optimizer.state_dict()) and restore it with "
                            "load_state_dict")
        raise TypeError(f"{who}: cannot store {type(value).__name__} at {_where(path)}; "
                        "expected tensors, arrays, numbers, strings, booleans, None, dicts, lists, tuples")

    structure = json.dumps(encode(state, ()), allow_nan=False, separators=(",", ":"))
    return arrays, structure


def _where(path):
    return "".join(f"[{p!r}]" for p in path) or "the top level"


def unflatten_state(arrays, structure, path=None, tensor=None):
    """Rebuild the nested state from ``flatten_state``'s output (read from ``path``, if
    given); raises ``CheckpointError`` if the structure is malformed or the arrays don't match.
    A saved Tensor comes back as ``tensor(array)``, or as its array if ``tensor`` is None."""
    used = set()

    def fail(problem, where):
        raise CheckpointError(path, f"state structure at {_where(where)}: {problem}")

    def array(name, where):
        if not isinstance(name, str) or name not in arrays:
            fail(f"refers to a missing array {name!r}", where)
        if name in used:
            fail(f"refers to array {name!r} twice", where)
        used.add(name)
        return arrays[name]

    def decode(node, where):
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, list):
            return [decode(v, (*where, i)) for i, v in enumerate(node)]
        if not isinstance(node, dict) or len(node) != 1:
            fail(f"unknown node {node!r:.80}", where)
        (tag, content), = node.items()
        if tag == "array":
            return array(content, where)
        if tag == "tensor":
            value = array(content, where)
            return value if tensor is None else tensor(value)
        if tag == "scalar":
            value = array(content, where)
            if value.ndim != 0:
                fail(f"scalar {content!r} has shape {value.shape}", where)
            return value[()]
        if tag == "float" and isinstance(content, str) and content in _NON_FINITE:
            return _NON_FINITE[content]
        if tag == "tuple" and isinstance(content, list):
            return tuple(decode(v, (*where, i)) for i, v in enumerate(content))
        if tag == "dict" and isinstance(content, list):
            result = {}
            for pair in content:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
                        and not isinstance(pair[0], bool)) or pair[0] in result:
                    fail(f"invalid or repeated dict entry {pair!r:.80}", where)
                result[pair[0]] = decode(pair[1], (*where, pair[0]))
            return result
        fail(f"unknown node {node!r:.80}", where)

    try:
        tree = json.loads(structure, parse_constant=lambda name: fail(f"bare {name}", ()))
        state = decode(tree, ())
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(path, f"the state structure is not valid JSON or nests too deeply: {exc}") from None
    unused = [name for name in arrays if name not in used]
    if unused:
        raise CheckpointError(path, f"arrays not referenced by the state structure: {unused!r:.200}")
    return state


def save_state(path, state, metadata=None, *, who="save_state", stacklevel=1):
    """Save nested ``state`` (e.g. ``optimizer.state_dict()``) atomically to a safetensors file:
    arrays as tensors, the rest as JSON in the metadata entry ``chainrule.state``. ``who``
    begins error messages; a warning blames ``stacklevel`` frames above the caller."""
    arrays, structure = flatten_state(state, who)
    if metadata is not None and STATE_KEY in metadata:
        raise ValueError(f"{who}: metadata key {STATE_KEY!r} is reserved")
    save_arrays(arrays, path, {**(metadata or {}), STATE_KEY: structure}, stacklevel=1 + stacklevel)


def load_state(path):
    """The nested state saved by ``save_state`` (arrays come back as NumPy arrays)."""
    arrays, metadata = read_checkpoint(path)
    if STATE_KEY not in metadata:
        raise CheckpointError(path, f"not a state file: its metadata has no {STATE_KEY!r} entry "
                                    "(was it written by chainrule.io.save_state?)")
    return unflatten_state(arrays, metadata[STATE_KEY], path)
