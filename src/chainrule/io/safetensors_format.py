"""The safetensors layout, read and checked without trusting a byte of it.

A safetensors file is an 8-byte little-endian header length N, N bytes of JSON header, then
the raw tensor bytes (the data section). The header maps each tensor name to
``{"dtype": "F32", "shape": [30, 784], "data_offsets": [begin, end]}`` (offsets into the data
section) and may hold ``"__metadata__": {str: str}``. Everything here is checked before any
tensor is built, so a hostile file costs at most a few times its header's bytes of memory
(``MAX_HEADER_VALUES`` bounds the parsed objects).
"""
import hashlib
import json
import math
from collections import Counter

import numpy as np

from .errors import CheckpointError

MAX_HEADER_BYTES = 100_000_000  # the safetensors library's own limit
# Parsed, a JSON value costs ~100 bytes of Python objects whatever its length: a header of half a
# million values (about 70,000 tensors) takes ~75 MB; more are refused before parsing.
MAX_HEADER_VALUES = 500_000
MAX_DIMS = 64  # NumPy's limit
CHECKSUM_KEY = "chainrule.sha256"  # metadata entry holding content_digest() of the file

DTYPES = {
    "BOOL": np.dtype(np.bool_),
    "U8": np.dtype(np.uint8),
    "I8": np.dtype(np.int8),
    "U16": np.dtype("<u2"),
    "I16": np.dtype("<i2"),
    "U32": np.dtype("<u4"),
    "I32": np.dtype("<i4"),
    "U64": np.dtype("<u8"),
    "I64": np.dtype("<i8"),
    "F16": np.dtype("<f2"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
}
DTYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in DTYPES.items()}
_UNSUPPORTED_DTYPES = {
    "BF16": "NumPy has no bfloat16; convert the tensor to float32 before saving",
    "F8_E4M3": "NumPy has no 8-bit floats",
    "F8_E5M2": "NumPy has no 8-bit floats",
    "C64": "chainrule has no complex tensors",
}

# Leading bytes of formats people pass by mistake, all of which may hide a pickle.
_OTHER_FORMATS = (
    (b"\x80", "a Python pickle (such as a PyTorch .pt/.pth file); chainrule never unpickles a "
              "file, since unpickling can run arbitrary code: ask for a .safetensors file"),
    (b"PK\x03\x04", "a zip archive (a PyTorch .pt/.pth file or a NumPy .npz); chainrule reads "
                    "only safetensors and never unpickles: ask for a .safetensors file"),
    (b"\x93NUMPY", "a NumPy .npy file; chainrule checkpoints are safetensors files"),
    (b"\x1f\x8b", "a gzip file; decompress it first"),
)


class Header:
    """A validated header: ``entries`` maps name -> (dtype code, shape, begin, end) in file
    order; ``metadata`` is the str -> str metadata; ``size`` is the header's byte count."""

    __slots__ = ("size", "entries", "metadata")

    def __init__(self, size, entries, metadata):
        self.size, self.entries, self.metadata = size, entries, metadata

    @property
    def data_start(self):
        return 8 + self.size


def dtype_code(dtype):
    """The safetensors code of a NumPy dtype ('F32' for float32), or None if unsupported."""
    return DTYPE_CODES.get(np.dtype(dtype).newbyteorder("="))


def read_header(file, file_size, path, tensors=None):
    """Read and validate the header of an open binary ``file`` of ``file_size`` bytes
    (``tensors``: how many it should hold, if known; see ``parse_header``)."""
    prefix = file.read(8)
    size = _header_size(prefix, file_size, path)
    return parse_header(file.read(size), file_size - 8 - size, path, tensors)


def _header_size(prefix, file_size, path):
    if file_size < 8:
        _fail(path, prefix, f"the file is {file_size} bytes long, too short to be a safetensors "
                            "file (8-byte header length, then a JSON header)")
    size = int.from_bytes(prefix, "little")
    if size > file_size - 8:
        _fail(path, prefix, f"the header length field says {size} bytes but only "
                            f"{file_size - 8} bytes follow it (truncated, or not safetensors)")
    if size > MAX_HEADER_BYTES:
        _fail(path, prefix, f"the header length {size} exceeds the {MAX_HEADER_BYTES}-byte limit")
    if size < 2:
        _fail(path, prefix, f"the header length {size} is too small for a JSON header")
    return size


def _fail(path, prefix, problem):
    for magic, what in _OTHER_FORMATS:
        if prefix.startswith(magic):
            problem = f"not a safetensors file: it looks like {what}"
            break
    raise CheckpointError(path, problem)


class _TooManyObjects(Exception):
    """Raised from inside the JSON parser to stop it (see ``_Objects``)."""


class _Objects:
    """The parser's hook for each JSON object: refuses duplicate keys and, past ``limit``
    objects, stops the parse, so a header far larger than the expected state is never built."""

    def __init__(self, limit):
        self.count, self.limit = 0, limit

    def __call__(self, pairs):
        self.count += 1
        if self.limit is not None and self.count > self.limit:
            raise _TooManyObjects
        result = dict(pairs)
        if len(result) != len(pairs):
            duplicated = [k for k, n in Counter(k for k, _ in pairs).items() if n > 1]
            raise ValueError(f"duplicate keys {_short(duplicated)}")
        return result


def _count_values(raw):
    """More than the JSON values in ``raw``: every value but the first of a container follows
    a comma (those inside strings count too)."""
    return 1 + raw.count(b",") + raw.count(b"[") + raw.count(b"{")


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def parse_header(raw, data_size, path, tensors=None):
    """Validate header bytes ``raw`` against a data section of ``data_size`` bytes.

    A header with more than ``MAX_HEADER_VALUES`` values is refused before it is parsed; given
    ``tensors`` (the number the caller expects), one with more than twice as many entries (plus
    64) is refused as soon as the parser reaches them, so its cost follows the expected state."""
    if raw[:1] != b"{":
        raise CheckpointError(path, "the header does not start with '{' (not a safetensors file)")
    values = _count_values(raw)
    if values > MAX_HEADER_VALUES:
        raise CheckpointError(path, f"the header holds up to {values} JSON values, more than the "
                                    f"{MAX_HEADER_VALUES} chainrule reads (about 70,000 tensors)")
    limit = None if tensors is None else 2 * tensors + 64
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_Objects(limit),
                            parse_constant=_reject_constant)
    except _TooManyObjects:
        raise CheckpointError(path, f"the header holds more than {limit} JSON objects, far more "
                                    f"than the entries of the {tensors} tensors expected") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CheckpointError(path, f"the header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise CheckpointError(path, "the header is not a JSON object")
    problems = []
    metadata = header.pop("__metadata__", None)
    if metadata is None:
        metadata = {}
    elif not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        problems.append("__metadata__ must map strings to strings")
    entries = {}
    for name, spec in header.items():
        entry = _parse_entry(name, spec, problems)
        if entry is not None:
            entries[name] = entry
    if not problems:
        _check_layout(entries, data_size, problems)
    if problems:
        raise CheckpointError(path, problems)
    return Header(len(raw), entries, metadata)


def _parse_entry(name, spec, problems):
    """(code, shape, begin, end) for one tensor's header entry; appends problems if invalid."""
    where = f"tensor {name!r}"
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
        problems.append(f"{where}: the entry must have exactly the fields dtype, shape and "
                        f"data_offsets, got {_short(spec)}")
        return None
    code, shape, offsets = spec["dtype"], spec["shape"], spec["data_offsets"]
    count = len(problems)
    if not isinstance(code, str) or code not in DTYPES:  # a list or object is unhashable
        reason = _UNSUPPORTED_DTYPES.get(code) if isinstance(code, str) else None
        problems.append(f"{where}: unsupported dtype {_short(code)}"
                        + (f" ({reason})" if reason else f"; supported: {', '.join(DTYPES)}"))
    if not (isinstance(shape, list) and len(shape) <= MAX_DIMS and all(_is_index(d) for d in shape)):
        problems.append(f"{where}: shape must be a list of at most {MAX_DIMS} non-negative "
                        f"integers, got {_short(shape)}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_index, offsets))
            and offsets[0] <= offsets[1]):
        problems.append(f"{where}: data_offsets must be [begin, end] with 0 <= begin <= end, "
                        f"got {_short(offsets)}")
    if len(problems) > count:
        return None
    begin, end = offsets
    nbytes = math.prod(shape) * DTYPES[code].itemsize
    if end - begin != nbytes:
        problems.append(f"{where}: {code} of shape {tuple(shape)} needs {nbytes} bytes but its "
                        f"data_offsets [{begin}, {end}] span {end - begin}")
        return None
    return code, tuple(shape), begin, end


def _is_index(value):
    return type(value) is int and value >= 0


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_layout(entries, data_size, problems):
    """The tensors must tile the data section exactly: no gap, no overlap, no trailing bytes."""
    position = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda item: item[1][2:]):
        if begin != position:
            kind = "overlaps the previous tensor" if begin < position else "leaves a gap"
            problems.append(f"tensor {name!r}: its data starts at byte {begin} of the data "
                            f"section, expected {position} ({kind})")
        position = max(position, end)
    if position != data_size:
        problems.append(f"the tensors' data ends at byte {position} of the data section but the "
                        f"file holds {data_size} bytes there "
                        + ("(truncated)" if position > data_size else "(trailing bytes)"))


def content_digest(items, metadata):
    """SHA-256 (hex) of a checkpoint's content, independent of its byte layout.

    ``items`` yields (name, dtype code, shape, chunks): ``chunks`` gives the tensor's
    little-endian C-order bytes in pieces; ``metadata`` is hashed without the checksum entry
    itself. Every part is self-delimiting (JSON, then exactly as many bytes as dtype and shape
    say), so distinct contents hash apart.
    """
    digest = hashlib.sha256()
    kept = sorted((k, v) for k, v in metadata.items() if k != CHECKSUM_KEY)
    digest.update(json.dumps(kept).encode())
    for name, code, shape, chunks in sorted(items, key=lambda item: item[0]):
        digest.update(json.dumps([name, code, list(shape)]).encode())
        for chunk in chunks:
            digest.update(chunk)
    return digest.hexdigest()


READ_CHUNK = 1 << 20


def _file_chunks(file, start, size):
    file.seek(start)
    while size > 0:
        chunk = file.read(min(READ_CHUNK, size))
        if not chunk:
            return
        size -= len(chunk)
        yield chunk


def verify_checksum(header, file, path):
    """Check the data of the open ``file`` against the checksum in its header's metadata, when
    it has one, reading a megabyte at a time: a corrupted file is refused before its tensors
    are read into memory."""
    expected = header.metadata.get(CHECKSUM_KEY)
    if expected is None:
        return  # written by another tool: the structure is checked, the values cannot be
    start = header.data_start
    items = ((name, code, shape, _file_chunks(file, start + begin, end - begin))
             for name, (code, shape, begin, end) in header.entries.items())
    if content_digest(items, header.metadata) != expected:
        raise CheckpointError(path, "the content does not match its SHA-256 checksum (the file "
                                    "is corrupted: a flipped bit or a partial overwrite)")


def canonical_file(data):
    """``(header, body)``: the safetensors bytes ``data`` as a new header in one canonical order
    (the metadata by key, then the tensors in data-section order, compact JSON padded with
    spaces to 8 bytes, after its 8-byte length) and a view of the unchanged data section.

    The safetensors writer keeps metadata in a hash map whose order changes from process to
    process; rewriting the header makes identical content give identical bytes. The data
    section is not copied."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__", None)
    ordered = {} if metadata is None else {"__metadata__": dict(sorted(metadata.items()))}
    ordered.update(sorted(header.items(), key=lambda item: (item[1]["data_offsets"], item[0])))
    raw = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()
    raw += b" " * (-len(raw) % 8)
    return len(raw).to_bytes(8, "little") + raw, memoryview(data)[8 + size:]
