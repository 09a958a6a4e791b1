"""Files: ``save``/``load`` of state dicts and checkpoint dicts (serialization.py), flat
safetensors files (``save_arrays``/``load_arrays``), nested training state
(``save_state``/``load_state``), and atomic writes (``atomic_write``, ``fsync_directory``).
Nothing is ever unpickled."""
from .atomic import atomic_write, atomic_write_bytes, atomic_write_text, fsync_directory
from .checkpoint import (
    TensorInfo, load_arrays, load_metadata, read_checkpoint, save_arrays, tensor_infos, validate_state_dict,
)
from .errors import CheckpointError
from .regular import open_regular
from .serialization import load, save
from .state import flatten_state, load_state, save_state, unflatten_state

__all__ = [
    "CheckpointError",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "flatten_state",
    "fsync_directory",
    "load",
    "load_arrays",
    "load_metadata",
    "load_state",
    "open_regular",
    "read_checkpoint",
    "tensor_infos",
    "TensorInfo",
    "save",
    "save_arrays",
    "save_state",
    "unflatten_state",
    "validate_state_dict",
]
