"""Read IDX files (the MNIST format), gzipped or raw, safely: files from strangers welcome.

An IDX file is: two zero bytes, a type code, the number of dimensions ``n``, ``n`` big-endian
uint32 sizes, then the values in C order, big-endian. Memory follows the data actually read,
never the header: the header's sizes must fit ``max_bytes`` and match the data exactly, and a
gzip stream is decompressed chunk by chunk into a growing buffer, never past the size the
header declares. A gzip bomb of genuine data is decoded up to ``max_bytes`` (the array once,
byte-swapped in place). Any problem raises ``DataError`` naming the file and the problem.
"""
import hashlib
import os
import zlib

import numpy as np

from .errors import DataError

# type code -> (big-endian dtype, name for messages)
IDX_TYPES = {
    0x08: (np.dtype(">u1"), "uint8"),
    0x09: (np.dtype(">i1"), "int8"),
    0x0B: (np.dtype(">i2"), "int16"),
    0x0C: (np.dtype(">i4"), "int32"),
    0x0D: (np.dtype(">f4"), "float32"),
    0x0E: (np.dtype(">f8"), "float64"),
}
MAX_DIMS = 8
MAX_IDX_BYTES = 1 << 31  # largest data section accepted (2 GiB); MNIST's biggest file is 47 MB
GZIP_MAGIC = b"\x1f\x8b"
_IN_CHUNK = 1 << 16  # compressed bytes fed to zlib at a time
_OUT_CHUNK = 1 << 22  # decompressed bytes produced at a time


class _RawStream:
    """Reads a plain file; ``prefix`` holds bytes already read to sniff the format."""

    def __init__(self, file, prefix):
        self.file = file
        self.prefix = prefix

    def read(self, n):
        head, self.prefix = self.prefix[:n], self.prefix[n:]
        return head + self.file.read(n - len(head)) if n > len(head) else head


class _GzipStream:
    """Decompresses a gzip file (one or more members) on demand, at most ``n`` bytes per read."""

    def __init__(self, file, prefix, name):
        self.file = file
        self.name = name
        self.pending = prefix  # compressed bytes not yet given to the decompressor
        self.decompressor = zlib.decompressobj(wbits=31)  # 31: gzip; checks CRC-32 and length

    def read(self, n):
        out = bytearray()
        try:
            while len(out) < n:
                if self.decompressor.eof:
                    self.pending = self.decompressor.unused_data or self.file.read(_IN_CHUNK)
                    if not self.pending:
                        break  # clean end after the last member
                    self.decompressor = zlib.decompressobj(wbits=31)
                data = self.pending or self.file.read(_IN_CHUNK)
                if not data:
                    raise DataError(f"{self.name}: truncated gzip stream (it ends mid-member)")
                out += self.decompressor.decompress(data, n - len(out))
                self.pending = self.decompressor.unconsumed_tail
        except zlib.error as exc:
            raise DataError(f"{self.name}: corrupt gzip data ({exc})") from None
        return bytes(out)


class _HashingReader:
    """Reads exactly from a stream, feeding every byte to a SHA-256 when one is wanted."""

    def __init__(self, stream, name, with_hash):
        self.stream = stream
        self.name = name
        self.sha256 = hashlib.sha256() if with_hash else None

    def read(self, n):
        data = self.stream.read(n)
        if self.sha256 is not None:
            self.sha256.update(data)
        return data

    def read_exact(self, n, what):
        data = self.read(n)
        if len(data) < n:
            raise DataError(f"{self.name}: truncated {what}: expected {n} bytes, found {len(data)}")
        return data


def _remaining_size(file):
    """Bytes left in a seekable plain file, or None when it cannot tell."""
    try:
        here = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None


def _read_header(reader):
    """(big-endian dtype, shape) from the magic number and the sizes."""
    magic = reader.read_exact(4, "header")
    if magic[:2] != b"\x00\x00":
        raise DataError(
            f"{reader.name}: not an IDX file: magic number 0x{magic.hex()} does not start with 0x0000"
        )
    type_code, ndim = magic[2], magic[3]
    if type_code not in IDX_TYPES:
        supported = ", ".join(f"0x{code:02X} {name}" for code, (_, name) in IDX_TYPES.items())
        raise DataError(f"{reader.name}: unsupported IDX type code 0x{type_code:02X} (supported: {supported})")
    if not 1 <= ndim <= MAX_DIMS:
        raise DataError(f"{reader.name}: unsupported dimension count {ndim} (1 to {MAX_DIMS})")
    sizes = np.frombuffer(reader.read_exact(4 * ndim, "dimension sizes"), dtype=">u4")
    return IDX_TYPES[type_code][0], tuple(int(s) for s in sizes)


def _read_values(reader, dtype, shape, max_bytes, remaining):
    """The data section as a native-endian array, after checking its declared size."""
    declared = dtype.itemsize * int(np.prod(shape, dtype=object))
    span = dtype.itemsize * int(np.prod([max(size, 1) for size in shape], dtype=object))
    described = f"{'x'.join(map(str, shape))} {dtype.name}"
    if span > max_bytes:  # span, not declared: (0, 2**32, 2**32, 2**32) is no valid array either
        size = f"{declared} bytes" if declared else f"no values, but dimensions spanning {span} bytes"
        raise DataError(
            f"{reader.name}: header declares {described} values ({size}), over the "
            f"limit of {max_bytes} bytes (pass a larger max_bytes if the file is genuine)"
        )
    if remaining is not None and remaining != declared:
        raise DataError(
            f"{reader.name}: size mismatch: header declares {described} values "
            f"({declared} bytes) but the file holds {remaining} data bytes"
        )
    values = bytearray()
    while len(values) < declared:  # grows with the data actually present, never ahead of it
        chunk = reader.read(min(_OUT_CHUNK, declared - len(values)))
        if not chunk:
            break
        values += chunk
    if len(values) < declared:
        raise DataError(
            f"{reader.name}: truncated data: header declares {described} values "
            f"({declared} bytes), found {len(values)}"
        )
    if reader.read(1):
        raise DataError(f"{reader.name}: trailing data after the {declared} bytes the header declares")
    array = np.frombuffer(values, dtype=dtype).reshape(shape)  # a view of the bytes read: no copy
    if dtype.isnative:
        return array
    return array.byteswap(inplace=True).view(dtype.newbyteorder())  # in place: no second copy


def read_idx(source, expected_sha256=None, max_bytes=MAX_IDX_BYTES):
    """Read one IDX file (raw or gzip, detected by its magic bytes) into a NumPy array.

    ``source`` is a path or a binary file object. Returns a native-endian array of the file's
    shape and type (uint8, int8, int16, int32, float32 or float64). ``expected_sha256``, when
    given, is checked against the SHA-256 of the decompressed file. ``max_bytes`` bounds the
    data section (memory-bomb guard). Raises ``DataError`` naming the file and the problem.
    """
    if hasattr(source, "read"):
        return _read_idx_file(source, getattr(source, "name", "<stream>"), expected_sha256, max_bytes)
    name = os.fspath(source)
    try:
        with open(name, "rb") as file:
            return _read_idx_file(file, name, expected_sha256, max_bytes)
    except OSError as exc:
        raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None


def _read_idx_file(file, name, expected_sha256, max_bytes):
    prefix = file.read(2)
    if prefix == GZIP_MAGIC:
        stream, remaining = _GzipStream(file, prefix, name), None
    else:
        stream, remaining = _RawStream(file, prefix), _remaining_size(file)
    reader = _HashingReader(stream, name, expected_sha256 is not None)
    if remaining is not None:
        remaining += len(prefix)
        if remaining == 0:
            raise DataError(f"{name}: empty file (expected an IDX header)")
    dtype, shape = _read_header(reader)
    if remaining is not None:
        remaining -= 4 + 4 * len(shape)
    array = _read_values(reader, dtype, shape, max_bytes, remaining)
    if expected_sha256 is not None and reader.sha256.hexdigest() != expected_sha256.lower():
        raise DataError(
            f"{name}: SHA-256 of the decompressed content is {reader.sha256.hexdigest()}, "
            f"expected {expected_sha256.lower()} (the file is corrupt or not the expected one)"
        )
    return array


def read_idx_pair(images_path, labels_path, images_sha256=None, labels_sha256=None,
                  max_bytes=MAX_IDX_BYTES):
    """Read an (images, labels) pair of IDX files and check they belong together.

    Returns ``(images, labels)``: images of shape (N, H, W) (uint8 or float), labels of shape
    (N,) as int64. Raises ``DataError`` for a bad file or a mismatched pair.
    """
    labels = read_idx(labels_path, labels_sha256, max_bytes)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise DataError(
            f"{os.fspath(labels_path)}: labels must be 1-D integers, got shape "
            f"{labels.shape} of {labels.dtype}"
        )
    images = read_idx(images_path, images_sha256, max_bytes)
    if images.ndim != 3 or images.dtype.name not in ("uint8", "float32", "float64"):
        raise DataError(
            f"{os.fspath(images_path)}: images must be (N, H, W) uint8 or float, got shape "
            f"{images.shape} of {images.dtype}"
        )
    if len(labels) != len(images):
        raise DataError(
            f"{os.fspath(labels_path)}: {len(labels)} labels for {len(images)} images "
            f"in {os.fspath(images_path)}"
        )
    return images, labels.astype(np.int64)
