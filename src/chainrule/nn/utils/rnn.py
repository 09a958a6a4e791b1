"""``pad_sequence``: sequences of different lengths as one padded batch, as
``torch.nn.utils.rnn.pad_sequence``, for the recurrent layers of ``chainrule.nn``.

Packed sequences are not supported: ``pack_padded_sequence``, ``pack_sequence`` and
``pad_packed_sequence`` raise a NotImplementedError that says what to do instead.
"""
import numpy as np

from ...autograd.function import ShapeError
from ...ops import cat, stack
from ...tensor import Tensor


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Tensors (L_i, *) padded with ``padding_value`` to the longest L (after them, or before
    with ``padding_side='left'``) and stacked: (L, B, *), or (B, L, *) with ``batch_first``.
    Differentiable (cat and stack); a Tensor (B, L_i, *) counts as its B rows."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    for s in sequences:
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a list of Tensors, got a {type(s).__name__}")
    if len({s.shape[1:] for s in sequences}) > 1 or not sequences[0].ndim:
        shapes = ", ".join(str(tuple(s.shape)) for s in sequences)
        raise ShapeError(f"pad_sequence: sequences must be (L_i, *) with the same trailing dims, got shapes {shapes}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        if s.shape[0] < longest:
            fill = np.full((longest - s.shape[0],) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            pad = Tensor._make(fill, False, None)
            s = cat([s, pad] if padding_side == "right" else [pad, s], 0)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def _packed(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"{name}: packed sequences are not supported by chainrule; pass the padded batch "
            "(pad_sequence) to RNN, LSTM or GRU and leave the padded steps out of the loss "
            "(e.g. CrossEntropyLoss(ignore_index=...), or take each sequence's output at its last real step)")
    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"Not supported: raises a NotImplementedError saying what to do instead of {name}."
    return refuse


pack_padded_sequence = _packed("pack_padded_sequence")
pack_sequence = _packed("pack_sequence")
pad_packed_sequence = _packed("pad_packed_sequence")

__all__ = ["pack_padded_sequence", "pack_sequence", "pad_packed_sequence", "pad_sequence"]
