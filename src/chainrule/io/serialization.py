"""``chainrule.save`` and ``chainrule.load``: what PyTorch users pass to torch.save/torch.load
(a state dict, a training checkpoint dict, nested dicts and lists of tensors), written as
safetensors plus a JSON structure, never pickle.

A flat ``{name: array}`` dict (``model.state_dict()``) is written as a plain safetensors file
with those names. Anything else goes through ``flatten_state`` (state.py): its arrays are
stored as safetensors tensors (``safetensors.torch.load_file`` reads them, under path names
such as ``model.0.weight``) and its structure as JSON in the metadata, so ``load`` rebuilds it.
"""
import os
from collections.abc import Mapping

import numpy as np

from ..device import CPU, resolve_device
from ..tensor import Tensor
from .checkpoint import load_arrays, read_checkpoint, save_arrays
from .state import STATE_KEY, save_state, unflatten_state


def save(obj, f, metadata=None):
    """Save ``obj`` to the safetensors file ``f`` (a path), atomically.

    ``obj`` is a Tensor, an array, or dicts (str or int keys), lists and tuples of Tensors,
    NumPy arrays and scalars, ints, floats, strings, booleans and None, such as
    ``{'epoch': 3, 'model': model.state_dict(), 'optimizer': opt.state_dict()}``. A Module,
    optimizer or other object is refused: save its ``state_dict()``. ``metadata`` (str -> str)
    is stored in the header. A ``.pt``/``.pth`` name gets a warning: torch.load cannot read the
    file (``safetensors.torch.load_file`` can).
    """
    _check_path(f, "save")
    if _is_flat(obj):
        save_arrays(obj, f, metadata, stacklevel=2)
    else:
        save_state(f, obj, metadata, who="save", stacklevel=2)


def _check_path(f, who):
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"{who}: f must be a path (a str or os.PathLike), got {type(f).__name__}; "
                        "chainrule reads and writes checkpoint files by name (writes are atomic renames)")


def _is_flat(obj):
    """A ``{str: ndarray}`` dict: a plain safetensors file says all there is to know about it
    (unless a key is safetensors' reserved ``__metadata__``)."""
    return isinstance(obj, Mapping) and all(isinstance(k, str) and k != "__metadata__" and type(v) is np.ndarray
                                            for k, v in obj.items())


def load(f, map_location=None, weights_only=None, mmap=None, *, expected=None):
    """What ``save`` wrote to ``f`` (a path): the same nesting, with Tensors where Tensors were
    saved and NumPy arrays where arrays (or a flat state dict) were, NumPy scalars as NumPy
    scalars, tuples as tuples, and ints, floats, strings, booleans and None as themselves. A
    safetensors file from elsewhere comes back as ``{name: ndarray}``.

    ``map_location`` ('cpu', a ``chainrule.device``, a dict from saved to wanted locations, or
    a callable ``(array, 'cpu') -> array``) is accepted as in ``torch.load``; every location
    must be the CPU. ``weights_only`` is accepted and makes no difference: nothing is ever
    unpickled, so every load is as safe as ``weights_only=True``. ``mmap`` is accepted; the file
    is read into memory either way. With ``expected`` (a state dict), the file must be a flat
    state dict with exactly its keys, shapes and dtypes (see ``load_arrays``).
    Raises ``CheckpointError`` for a bad file, ``FileNotFoundError`` for a missing one.
    """
    for name, value in (("weights_only", weights_only), ("mmap", mmap)):
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"load: {name} must be True, False or None, got {value!r}")
    _check_path(f, "load")
    relocate = _relocation(map_location)
    if expected is not None:
        return {name: relocate(array) for name, array in load_arrays(f, expected).items()}
    arrays, metadata = read_checkpoint(f)
    arrays = {name: relocate(array) for name, array in arrays.items()}
    if STATE_KEY not in metadata:
        return arrays
    return unflatten_state(arrays, metadata[STATE_KEY], f, tensor=Tensor)


def _relocation(map_location):
    """A function array -> array applying ``map_location``; chainrule saves everything on the
    CPU, so any target but the CPU is refused here, before the file is read."""
    where = "load: map_location"
    if map_location is None:
        return lambda array: array
    if callable(map_location):
        return lambda array: _relocated(map_location(array, "cpu"))
    if isinstance(map_location, Mapping):
        target = map_location.get("cpu", CPU)  # the only location a chainrule file holds
        resolve_device(target, where)
    else:
        resolve_device(map_location, where)
    return lambda array: array


def _relocated(result):
    if isinstance(result, Tensor):
        return result._data
    if isinstance(result, np.ndarray):
        return result
    raise TypeError(f"load: map_location returned {type(result).__name__}; it is called with (array, 'cpu') "
                    "and must return an array (e.g. lambda storage, location: storage)")
