"""Builders of small IDX files for the data tests."""
import gzip
import hashlib

import numpy as np
import pytest

TYPE_CODES = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D, "float64": 0x0E}


def encode_idx(array):
    """The IDX bytes of ``array``: magic, big-endian sizes, big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, TYPE_CODES[array.dtype.name], array.ndim])
    sizes = np.asarray(array.shape, dtype=">u4").tobytes()
    return header + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture(scope="session")
def idx_bytes():
    """``idx_bytes(array, compress=False)``: the IDX encoding of an array, gzipped if asked."""
    def build(array, compress=False):
        data = encode_idx(array)
        return gzip.compress(data, mtime=0) if compress else data
    return build


@pytest.fixture
def write_idx(tmp_path, idx_bytes):
    """``write_idx(name, array, compress=False)``: write an IDX file under tmp_path; its path."""
    def write(name, array, compress=False):
        path = tmp_path / name
        path.write_bytes(idx_bytes(array, compress))
        return path
    return write


@pytest.fixture(scope="session")
def fake_mnist_test_split(tmp_path_factory, idx_bytes):
    """A directory with MNIST-shaped t10k files (10,000 blank 28x28 images, labels i % 10), gzipped.

    Returns ``(directory, raw_sha256, gz_md5)``, the sums keyed by file name without ``.gz``.
    """
    directory = tmp_path_factory.mktemp("fake-mnist")
    arrays = {
        "t10k-images-idx3-ubyte": np.zeros((10000, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(10000) % 10).astype(np.uint8),
    }
    raw_sha256, gz_md5 = {}, {}
    for name, array in arrays.items():
        packed = idx_bytes(array, compress=True)
        (directory / f"{name}.gz").write_bytes(packed)
        raw_sha256[name] = hashlib.sha256(idx_bytes(array)).hexdigest()
        gz_md5[name] = hashlib.md5(packed).hexdigest()
    return directory, raw_sha256, gz_md5
