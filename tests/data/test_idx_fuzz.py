"""Fuzz the IDX reader: whatever the bytes, the only exception that may escape is DataError."""
import gzip
import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.data import DataError, read_idx

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMIT = 1 << 20
DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
TYPE_CODES = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]  # a small max_bytes keeps every example fast


def read_or_data_error(data):
    """Read ``data``; a result must be consistent with the input, a failure a DataError."""
    try:
        array = read_idx(io.BytesIO(data), max_bytes=LIMIT)
    except DataError as exc:
        assert str(exc).startswith("<stream>: ")
        return None
    assert isinstance(array, np.ndarray) and array.dtype.isnative
    assert array.nbytes <= LIMIT
    return array


valid_arrays = st.sampled_from(DTYPES).flatmap(
    lambda dtype: st.lists(st.integers(0, 5), min_size=1, max_size=4).map(
        lambda shape: np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    )
)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data):
    read_or_data_error(data)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_after_a_valid_start(data):
    read_or_data_error(b"\x00\x00\x08\x03" + data)
    read_or_data_error(b"\x1f\x8b" + data)


@FUZZ
@given(valid_arrays, st.data())
def test_mutated_valid_files(idx_bytes, array, data):
    original = idx_bytes(array)
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        mutated[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(mutated) + 8))
    mutated = bytes(mutated[:cut]) + data.draw(st.binary(max_size=8))
    result = read_or_data_error(mutated)
    if bytes(mutated) == original:
        np.testing.assert_array_equal(result, array)


@FUZZ
@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8), st.sampled_from(TYPE_CODES),
       st.binary(max_size=64), st.booleans())
def test_arbitrary_dimensions(sizes, type_code, payload, compress):
    data = bytes([0, 0, type_code, len(sizes)]) + np.asarray(sizes, dtype=">u4").tobytes() + payload
    read_or_data_error(gzip.compress(data) if compress else data)


@FUZZ
@given(valid_arrays, st.data())
def test_truncated_and_bit_flipped_gzip(idx_bytes, array, data):
    packed = bytearray(idx_bytes(array, compress=True))
    for _ in range(data.draw(st.integers(0, 3))):
        bit = data.draw(st.integers(0, 8 * len(packed) - 1))
        packed[bit // 8] ^= 1 << (bit % 8)
    cut = data.draw(st.integers(0, len(packed)))
    result = read_or_data_error(bytes(packed[:cut]))
    if cut == len(packed) and result is not None and result.shape == array.shape:
        assert result.dtype == array.dtype
