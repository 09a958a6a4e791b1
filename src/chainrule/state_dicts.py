"""Checking a state dict against the one it must match: the one validation behind
``Module.load_state_dict`` (raising ``nn.StateDictError``) and ``chainrule.load(path,
expected)`` (raising ``CheckpointError``). Pure NumPy, so nn and io can both use it."""
from collections import namedtuple

import numpy as np


class StateDictProblems(namedtuple("StateDictProblems", ["missing_keys", "unexpected_keys", "mismatches"])):
    """Keys in ``expected`` but not in the state dict, keys only in the state dict, and
    ``(key, problem)`` for every shape or dtype mismatch; false when there is no problem."""

    __slots__ = ()

    def __bool__(self):
        return bool(self.missing_keys or self.unexpected_keys or self.mismatches)

    def messages(self):
        """One line per problem: ``missing keys: 'a', 'b'``, ``'w': shape (3,) in ...``."""
        lines = []
        if self.missing_keys:
            lines.append("missing keys: " + ", ".join(map(repr, self.missing_keys)))
        if self.unexpected_keys:
            lines.append("unexpected keys: " + ", ".join(map(repr, self.unexpected_keys)))
        lines.extend(f"{key!r}: {problem}" for key, problem in self.mismatches)
        return lines


def state_dict_problems(state_dict, expected, source="the state dict", allow_cast=False):
    """Compare ``state_dict`` with ``expected`` (both: names -> values with ``shape`` and
    ``dtype``, such as arrays or Tensors) and return every ``StateDictProblems``.

    Shapes must be equal; dtypes equal too, or with ``allow_cast`` castable within their
    kind (float64 -> float32, as PyTorch's ``load_state_dict`` copies). ``source`` names
    where the state dict came from in the messages ("the file").
    """
    missing = [name for name in expected if name not in state_dict]
    unexpected = [name for name in state_dict if name not in expected]
    mismatches = []
    for name, want in expected.items():
        if name not in state_dict:
            continue
        have = state_dict[name]
        have_shape, want_shape = tuple(have.shape), tuple(want.shape)
        if have_shape != want_shape:
            mismatches.append((name, f"shape {have_shape} in {source}, {want_shape} expected"))
        have_dtype, want_dtype = np.dtype(have.dtype), np.dtype(want.dtype)
        if not allow_cast and have_dtype != want_dtype:
            mismatches.append((name, f"dtype {have_dtype} in {source}, {want_dtype} expected"))
        elif allow_cast and not np.can_cast(have_dtype, want_dtype, "same_kind"):
            mismatches.append((name, f"dtype {have_dtype} in {source} cannot be cast to {want_dtype}"))
    return StateDictProblems(missing, unexpected, mismatches)
