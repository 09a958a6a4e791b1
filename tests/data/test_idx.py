import gzip
import hashlib
import io
import tracemalloc

import numpy as np
import pytest

from chainrule.data import DataError, read_idx, read_idx_pair

SAMPLES = {
    "uint8": np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10,
    "int8": np.array([-128, -1, 0, 1, 127], dtype=np.int8),
    "int16": np.array([[-32768, -2], [300, 32767]], dtype=np.int16),
    "int32": np.array([[-(2**31), 65536, 2**31 - 1]], dtype=np.int32),
    "float32": np.array([[-1.5, 0.0], [3.25, 1e30]], dtype=np.float32),
    "float64": np.array([np.pi, -np.e, 1e-300], dtype=np.float64),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("dtype", list(SAMPLES))
def test_round_trip_every_type(write_idx, dtype, compress):
    expected = SAMPLES[dtype]
    result = read_idx(write_idx(f"x-{dtype}", expected, compress))
    assert result.dtype == expected.dtype and result.dtype.isnative
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_header_bytes_are_the_documented_layout(idx_bytes):
    data = idx_bytes(np.zeros((2, 3), dtype=np.uint8))
    assert data[:12] == bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3])
    assert len(data) == 12 + 6


def test_reads_file_objects_and_zero_sized_dimensions(idx_bytes):
    empty = read_idx(io.BytesIO(idx_bytes(np.zeros((0, 28, 28), dtype=np.uint8))))
    assert empty.shape == (0, 28, 28)
    labels = read_idx(io.BytesIO(idx_bytes(np.array([7, 2, 1], dtype=np.uint8), compress=True)))
    np.testing.assert_array_equal(labels, [7, 2, 1])


def test_concatenated_gzip_members_are_one_stream(tmp_path, idx_bytes):
    data = idx_bytes(np.arange(100, dtype=np.int16))
    path = tmp_path / "multi.gz"
    path.write_bytes(gzip.compress(data[:50]) + gzip.compress(data[50:]))
    np.testing.assert_array_equal(read_idx(path), np.arange(100))


def test_sha256_of_the_decompressed_content(write_idx, idx_bytes):
    array = SAMPLES["uint8"]
    digest = hashlib.sha256(idx_bytes(array)).hexdigest()
    path = write_idx("x.gz", array, compress=True)
    np.testing.assert_array_equal(read_idx(path, expected_sha256=digest.upper()), array)
    with pytest.raises(DataError, match=r"x\.gz: SHA-256 of the decompressed content is .*, expected 00"):
        read_idx(path, expected_sha256="00" * 32)


def _raises(data, match, **kwargs):
    stream = io.BytesIO(data)
    stream.name = "bad.idx"
    with pytest.raises(DataError, match=match) as info:
        read_idx(stream, **kwargs)
    assert str(info.value).startswith("bad.idx: ")


HEADER_CASES = {
    "empty": (b"", "empty file"),
    "short header": (b"\x00\x00\x08", r"truncated header: expected 4 bytes, found 3"),
    "wrong magic": (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", r"not an IDX file: magic number 0x01000801"),
    "type code": (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", r"unsupported IDX type code 0x07 \(supported: 0x08 uint8"),
    "no dims": (b"\x00\x00\x08\x00", r"unsupported dimension count 0 \(1 to 8\)"),
    "too many dims": (b"\x00\x00\x08\x09" + b"\x00\x00\x00\x01" * 9 + b"\x05", r"unsupported dimension count 9"),
    "short dims": (b"\x00\x00\x08\x02\x00\x00\x00\x01\x00", r"truncated dimension sizes: expected 8 bytes, found 5"),
}


@pytest.mark.parametrize("case", list(HEADER_CASES))
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_bad_headers(case, compress):
    data, match = HEADER_CASES[case]
    if compress and data:
        data = gzip.compress(data)
    if compress and case == "empty":
        match = r"truncated header: expected 4 bytes, found 0"
        data = gzip.compress(b"")
    _raises(data, match)


def test_raw_size_must_match_exactly(idx_bytes):
    data = idx_bytes(np.zeros((4, 5), dtype=np.int16))
    _raises(data[:-1], r"size mismatch: header declares 4x5 int16 values \(40 bytes\) but the file holds 39")
    _raises(data + b"\x00", r"size mismatch: .* but the file holds 41 data bytes")


def test_gzip_size_must_match_exactly(idx_bytes):
    data = idx_bytes(np.zeros((4, 5), dtype=np.int16))
    _raises(gzip.compress(data[:-3]), r"truncated data: header declares 4x5 int16 values \(40 bytes\), found 37")
    _raises(gzip.compress(data + b"\x00"), r"trailing data after the 40 bytes the header declares")


def test_memory_bomb_headers_are_refused_before_allocating():
    huge = b"\x00\x00\x0e\x03" + b"\xff\xff\xff\xff" * 3  # 2^96 float64 values
    tracemalloc.start()
    try:
        _raises(huge, r"header declares 4294967295x4294967295x4294967295 float64 values \(\d+ bytes\), over the limit")
        _raises(gzip.compress(huge + b"\x00" * 1000), r"over the limit of \d+ bytes")
        _raises(b"\x00\x00\x08\x01\x00\x10\x00\x00" + b"\x00" * 100, r"over the limit of 1000 bytes", max_bytes=1000)
        _raises(b"\x00\x00\x08\x04" + b"\x00" * 4 + b"\xff" * 12,  # found by the fuzzer
                r"0x4294967295x4294967295x4294967295 uint8 values \(no values, but dimensions spanning")
        # under the limit but far beyond the data: memory follows the data present, not the header
        _raises(gzip.compress(b"\x00\x00\x08\x01\x40\x00\x00\x00" + bytes(1000)),
                r"truncated data: header declares 1073741824 uint8 values \(1073741824 bytes\), found 1000")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_gzip_bomb_stops_at_the_declared_size():
    bomb = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x10" + bytes(64 << 20), compresslevel=1)
    assert len(bomb) < 400_000  # 64 MB of zeros
    tracemalloc.start()
    try:
        _raises(bomb, r"trailing data after the 16 bytes the header declares")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # bounded by the decompression chunk, not by the 64 MB


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64])
def test_a_gzip_bomb_within_the_limit_costs_its_data_once(dtype, idx_bytes):
    """32 MB of zeros in a 33 KB gzip file: the reader holds the decompressed data once (plus
    a decompression chunk), byte-swapped in place; no second copy for multi-byte types."""
    data_bytes = 32 << 20
    bomb = idx_bytes(np.zeros(data_bytes // np.dtype(dtype).itemsize, dtype), compress=True)
    assert len(bomb) < 40_000
    tracemalloc.start()
    try:
        array = read_idx(io.BytesIO(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert array.dtype == np.dtype(dtype) and array.nbytes == data_bytes and not array.any()
    assert peak < 1.5 * data_bytes


def test_multi_byte_values_are_swapped_to_native_order(idx_bytes):
    values = np.array([1, -2, 300, -40000], dtype=np.int32)
    array = read_idx(io.BytesIO(idx_bytes(values, compress=True)))
    assert array.dtype.isnative and array.flags.writeable and array.tolist() == values.tolist()


def test_truncated_and_corrupt_gzip(idx_bytes):
    packed = idx_bytes(np.arange(1000, dtype=np.int32), compress=True)
    _raises(packed[: len(packed) // 2], r"truncated gzip stream \(it ends mid-member\)")
    _raises(packed[:-4], r"truncated gzip stream")  # the length field of the trailer is missing
    crc_flipped = bytearray(packed)
    crc_flipped[-8] ^= 0x01
    _raises(bytes(crc_flipped), r"corrupt gzip data \(.*incorrect data check")
    _raises(packed + b"garbage!", r"corrupt gzip data \(.*incorrect header check")
    _raises(b"\x1f\x8b\x08", r"truncated gzip stream")


def test_missing_file_and_directory_name_the_path(tmp_path):
    with pytest.raises(DataError, match=r"nope\.gz: cannot read: No such file or directory"):
        read_idx(tmp_path / "nope.gz")
    with pytest.raises(DataError, match=r"cannot read: Is a directory"):
        read_idx(tmp_path)


def test_pair_reading_checks_the_pair(write_idx):
    images = write_idx("images", np.zeros((3, 2, 2), dtype=np.uint8))
    labels = write_idx("labels.gz", np.array([1, 2, 3], dtype=np.uint8), compress=True)
    read_images, read_labels = read_idx_pair(images, labels)
    assert read_images.shape == (3, 2, 2) and read_labels.dtype == np.int64
    np.testing.assert_array_equal(read_labels, [1, 2, 3])

    short = write_idx("short-labels", np.array([1, 2], dtype=np.uint8))
    with pytest.raises(DataError, match=r"short-labels: 2 labels for 3 images in .*images"):
        read_idx_pair(images, short)
    flat = write_idx("flat-images", np.zeros((3, 4), dtype=np.uint8))
    with pytest.raises(DataError, match=r"flat-images: images must be \(N, H, W\) uint8 or float, got shape \(3, 4\)"):
        read_idx_pair(flat, labels)
    float_labels = write_idx("float-labels", np.zeros(3, dtype=np.float32))
    with pytest.raises(DataError, match=r"float-labels: labels must be 1-D integers, got shape \(3,\) of float32"):
        read_idx_pair(images, float_labels)
