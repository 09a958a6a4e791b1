"""``save_arrays`` and ``load_arrays``: flat state dicts as safetensors files, with nothing to
unpickle, every byte validated, and atomic writes. ``chainrule.save``/``load``
(serialization.py) build on them."""
import os
import warnings
from collections import namedtuple
from collections.abc import Mapping

import numpy as np

from ..state_dicts import state_dict_problems
from ..tensor import Tensor
from .atomic import atomic_write
from .errors import CheckpointError
from .regular import open_regular
from .safetensors_format import (
    CHECKSUM_KEY, DTYPES, canonical_file, content_digest, dtype_code, read_header, verify_checksum,
)

PYTORCH_METADATA = {"format": "pt"}  # what safetensors.torch and transformers expect


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("chainrule.save and chainrule.load need the safetensors package: "
                          "pip install 'chainrule[cli]'") from None
    return safetensors.numpy


def save_arrays(state_dict, path, metadata=None, stacklevel=1):
    """Save ``state_dict`` (names -> NumPy arrays, NumPy scalars or Tensors) to the safetensors file ``path``.

    The write is atomic (see ``atomic_write``): a crash leaves the previous file intact.
    ``metadata`` (str -> str) is stored in the header with ``{"format": "pt"}`` unless it says
    otherwise, and a SHA-256 checksum of the content that ``load`` verifies. PyTorch reads the
    file with ``safetensors.torch.load_file``; keys and layouts are kept as given (use
    PyTorch's, e.g. ``0.weight`` of shape (out, in)). A ``.pt``/``.pth``/``.ckpt`` name gets a
    warning (``stacklevel`` frames above the caller are blamed).
    """
    arrays = _as_arrays(state_dict)
    if os.path.splitext(os.fspath(path))[1].lower() in TORCH_PICKLE_SUFFIXES:
        warnings.warn(f"save: {os.fspath(path)} will hold safetensors, which torch.load cannot read; "
                      "name it .safetensors and load it in PyTorch with "
                      "safetensors.torch.load_file", stacklevel=1 + stacklevel)
    header_metadata = {**PYTORCH_METADATA, **_check_metadata(metadata)}
    items = ((name, dtype_code(a.dtype), a.shape, (a.reshape(-1).view(np.uint8),))
             for name, a in arrays.items())
    header_metadata[CHECKSUM_KEY] = content_digest(items, header_metadata)
    data = _safetensors_numpy().save(arrays, metadata=header_metadata)
    header, body = canonical_file(data)
    atomic_write(path, lambda file: (file.write(header), file.write(body)))


TORCH_PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt")  # names PyTorch users give torch.save's pickles

def _as_arrays(state_dict):
    """Contiguous little-endian arrays (safetensors copies raw memory: a view would be garbled)."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save: expected a state dict (a mapping from names to arrays), got "
                        f"{type(state_dict).__name__}; pass model.state_dict()")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise TypeError(f"save: key {name!r} is not a valid tensor name (a string other "
                            "than '__metadata__')")
        array = value._data if isinstance(value, Tensor) else value
        if isinstance(array, np.generic):
            array = np.asarray(array)  # a NumPy scalar is stored as a 0-d tensor
        if not isinstance(array, np.ndarray):
            raise TypeError(f"save: value for key {name!r} is {type(value).__name__}; expected "
                            "a NumPy array or a chainrule Tensor")
        if dtype_code(array.dtype) is None:
            raise TypeError(f"save: value for key {name!r} has unsupported dtype {array.dtype}; "
                            "use a float, integer or bool dtype")
        arrays[name] = np.require(array, array.dtype.newbyteorder("<"), "C")
    return arrays


def _check_metadata(metadata):
    if metadata is None:
        return {}
    if not (isinstance(metadata, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("save: metadata must map strings to strings (serialize other values "
                        "with json.dumps)")
    if CHECKSUM_KEY in metadata:
        raise ValueError(f"save: metadata key {CHECKSUM_KEY!r} is reserved for the checksum")
    return dict(metadata)


def _read_file(path, read):
    """``read(file, size)`` on ``path`` opened for binary reading. A missing file raises
    ``FileNotFoundError``; any other ``OSError`` (a directory, no permission, an I/O error)
    a ``CheckpointError`` naming the path."""
    try:
        with open_regular(path) as file:
            return read(file, os.fstat(file.fileno()).st_size)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CheckpointError(path, f"cannot read it: {exc.strerror or exc}") from None


TensorInfo = namedtuple("TensorInfo", ["dtype", "shape"])


def _infos(header):
    return {name: TensorInfo(DTYPES[code], shape) for name, (code, shape, _, _) in header.entries.items()}


def read_checkpoint(path, expected=None):
    """(arrays, metadata) of a safetensors file, validated before any tensor is built.

    The header is checked first (and against ``expected``, as in ``load``), then the data
    against the checksum, a megabyte at a time; only then is the data section read, once, into
    one buffer of which every array is a view: a file costs its size in memory, and a refused
    one a few megabytes beyond its header."""

    def read(file, file_size):
        header = read_header(file, file_size, path)
        if expected is not None:
            validate_state_dict(_infos(header), expected, path)
        before = os.fstat(file.fileno()).st_mtime_ns
        verify_checksum(header, file, path)
        body = bytearray(file_size - header.data_start)
        file.seek(header.data_start)
        complete = file.readinto(body) == len(body) and not file.read(1)
        if not complete or os.fstat(file.fileno()).st_mtime_ns != before:
            raise CheckpointError(path, "the file changed while it was being read")
        return header, body

    header, body = _read_file(path, read)
    arrays = {}
    for name, (code, shape, begin, end) in header.entries.items():
        dtype = DTYPES[code]
        arrays[name] = (np.frombuffer(body, dtype, (end - begin) // dtype.itemsize, begin).reshape(shape)
                        if end > begin else np.zeros(shape, dtype))
    return arrays, dict(header.metadata)


def tensor_infos(path):
    """``{name: TensorInfo(dtype, shape)}`` of a safetensors file, from its header alone."""
    return _infos(_read_file(path, lambda file, file_size: read_header(file, file_size, path)))


def load_arrays(path, expected=None):
    """Load a safetensors file as ``{name: numpy.ndarray}`` (like ``torch.load``, no pickle).

    The header is validated before any tensor is read (structure, dtypes, shapes, offsets,
    no trailing bytes) and the content against its checksum when the file has one. With
    ``expected`` (a state dict, e.g. ``model.state_dict()``), the keys, shapes and dtypes must
    match it, and the result follows its key order. Raises ``CheckpointError`` listing every
    problem (also for a path that cannot be read, such as a directory); a missing file raises
    ``FileNotFoundError``.
    """
    arrays, _ = read_checkpoint(path, expected)
    return arrays if expected is None else {name: arrays[name] for name in expected}


def load_metadata(path):
    """The str -> str metadata of a safetensors file; reads and validates only its header."""
    header = _read_file(path, lambda file, file_size: read_header(file, file_size, path))
    return dict(header.metadata)


def validate_state_dict(state_dict, expected, path=None):
    """Check ``state_dict`` against ``expected`` (names -> arrays or Tensors): raise one
    ``CheckpointError`` listing missing and unexpected keys and every shape or dtype mismatch
    (dtypes must be equal: a file is not cast silently)."""
    problems = state_dict_problems(state_dict, expected, "the file" if path is not None else "the state dict")
    if problems:
        raise CheckpointError(path, problems.messages())
