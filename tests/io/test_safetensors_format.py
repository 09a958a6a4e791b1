"""Loading untrusted files: every malformed, truncated, corrupted, hostile or non-safetensors
file raises CheckpointError naming the file, before anything is built or executed
(src/chainrule/io/safetensors_format.py)."""
import json
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import CheckpointError, load_metadata
from chainrule.io.safetensors_format import MAX_HEADER_BYTES


def write_raw(path, header, data=b"", length=None):
    """A file with ``header`` (a dict, or raw bytes) and data section ``data``."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw + data)
    return path


def assert_rejected(path, *fragments):
    """load and load_metadata both raise CheckpointError naming the file and each fragment."""
    for read in (cr.load, load_metadata):
        with pytest.raises(CheckpointError) as info:
            read(path)
        message = str(info.value)
        assert str(path) in message
        for fragment in fragments:
            assert fragment in message, message


F32_2x3 = {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}


def test_a_hand_written_valid_file_loads(tmp_path):
    data = np.arange(6, dtype="<f4").tobytes() + np.array([7], "<i8").tobytes()
    path = write_raw(tmp_path / "ok.safetensors", {
        "__metadata__": {"note": "hand-made"}, "w": F32_2x3,
        "n": {"dtype": "I64", "shape": [1], "data_offsets": [24, 32]},
        "empty": {"dtype": "F64", "shape": [0, 5], "data_offsets": [32, 32]}}, data)
    loaded = cr.load(path)
    np.testing.assert_array_equal(loaded["w"], np.arange(6, dtype=np.float32).reshape(2, 3))
    assert loaded["n"].tolist() == [7] and loaded["empty"].shape == (0, 5)
    assert load_metadata(path) == {"note": "hand-made"}


@pytest.mark.parametrize("header, data, fragments", [
    ({"w": {**F32_2x3, "dtype": "BF16"}}, bytes(24), ["unsupported dtype 'BF16'", "bfloat16"]),
    ({"w": {**F32_2x3, "dtype": "X9"}}, bytes(24), ["unsupported dtype 'X9'", "supported: BOOL"]),
    ({"w": {**F32_2x3, "dtype": ["F32"]}}, bytes(24), ["unsupported dtype ['F32']"]),
    ({"w": {**F32_2x3, "dtype": {"F32": 1}}}, bytes(24), ["unsupported dtype {'F32': 1}"]),
    ({"w": {**F32_2x3, "shape": [2, -3]}}, bytes(24), ["shape must be a list"]),
    ({"w": {**F32_2x3, "shape": [2.0, 3]}}, bytes(24), ["shape must be a list"]),
    ({"w": {**F32_2x3, "shape": [True, 3]}}, bytes(24), ["shape must be a list"]),
    ({"w": {**F32_2x3, "shape": [1] * 65}}, bytes(24), ["at most 64"]),
    ({"w": {**F32_2x3, "data_offsets": [24, 0]}}, bytes(24), ["0 <= begin <= end"]),
    ({"w": {**F32_2x3, "data_offsets": [0]}}, bytes(24), ["data_offsets must be"]),
    ({"w": {**F32_2x3, "extra": 1}}, bytes(24), ["exactly the fields"]),
    ({"w": [1, 2]}, bytes(24), ["exactly the fields"]),
    ({"w": {**F32_2x3, "shape": [3, 3]}}, bytes(24), ["needs 36 bytes", "span 24"]),
    ({"w": F32_2x3}, bytes(30), ["trailing bytes"]),
    ({"w": {**F32_2x3, "data_offsets": [4, 28]}}, bytes(28), ["leaves a gap"]),
    ({"w": F32_2x3, "v": {**F32_2x3, "data_offsets": [16, 40]}}, bytes(40), ["overlaps"]),
    ({"w": {**F32_2x3, "shape": [2 ** 40, 2 ** 40]}}, bytes(24), ["needs 4835703278458516698824704 bytes"]),
    ({"__metadata__": {"a": 1}, "w": F32_2x3}, bytes(24), ["__metadata__ must map strings"]),
    ({"__metadata__": [], "w": F32_2x3}, bytes(24), ["__metadata__ must map strings"]),
])
def test_invalid_headers_are_rejected_with_the_reason(tmp_path, header, data, fragments):
    assert_rejected(write_raw(tmp_path / "bad.safetensors", header, data), *fragments)


@pytest.mark.parametrize("raw, fragment", [
    (b'{"w": ', "not valid JSON"),
    (b'{"a": 1, "a": 2}', "duplicate keys ['a']"),
    (b'{"w": NaN}', "NaN is not valid JSON"),
    (b'{"w": "\xff"}', "not valid JSON"),
    (b' {}', "does not start with '{'"),
    (b'[1, 2]', "does not start with '{'"),
    (b'{"w": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "not valid JSON"),
    (b'{"w": {"dtype": "F32", "shape": [' + b"9" * 5000 + b'], "data_offsets": [0, 0]}}',
     "not valid JSON"),
])
def test_malformed_json_is_rejected(tmp_path, raw, fragment):
    assert_rejected(write_raw(tmp_path / "bad.safetensors", raw), fragment)


def test_every_problem_of_a_header_is_listed(tmp_path):
    path = write_raw(tmp_path / "bad.safetensors", {
        "a": {**F32_2x3, "dtype": "Q"}, "b": {**F32_2x3, "shape": [-1]}, "c": F32_2x3}, bytes(24))
    with pytest.raises(CheckpointError) as info:
        cr.load(path)
    assert len(info.value.problems) == 2
    assert "tensor 'a'" in info.value.problems[0] and "tensor 'b'" in info.value.problems[1]


@pytest.mark.parametrize("length, fragment", [
    (2 ** 64 - 1, "only 30 bytes follow"), (31, "only 30 bytes follow"), (1, "too small"),
])
def test_impossible_header_lengths_are_rejected(tmp_path, length, fragment):
    assert_rejected(write_raw(tmp_path / "bad.safetensors", bytes(30), length=length), fragment)


def test_files_shorter_than_the_length_field_are_rejected(tmp_path):
    for size in range(8):
        path = tmp_path / f"short{size}.safetensors"
        path.write_bytes(bytes(size))
        assert_rejected(path, f"the file is {size} bytes long")


def _peak_allocation(function):
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError):
            function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_header_bombs_are_rejected_without_allocating(tmp_path):
    huge_header = tmp_path / "huge_header.safetensors"
    with open(huge_header, "wb") as file:  # sparse: 200 MB of header claimed and present
        file.write(struct.pack("<Q", 2 * MAX_HEADER_BYTES) + b"{")
        file.truncate(2 * MAX_HEADER_BYTES + 8)
    huge_shape = write_raw(tmp_path / "huge_shape.safetensors", {
        "w": {"dtype": "F64", "shape": [2 ** 31] * 8, "data_offsets": [0, 2 ** 251]}}, bytes(8))
    many_problems = write_raw(tmp_path / "many.safetensors", {
        f"t{i}": {**F32_2x3, "dtype": "?"} for i in range(10_000)})
    assert _peak_allocation(lambda: cr.load(huge_header)) < 1_000_000
    assert _peak_allocation(lambda: cr.load(huge_shape)) < 1_000_000
    assert _peak_allocation(lambda: cr.load(many_problems)) < 50_000_000
    with pytest.raises(CheckpointError, match="exceeds the 100000000-byte limit"):
        cr.load(huge_header)
    with pytest.raises(CheckpointError, match=r"\.\.\. and 9980 more$"):
        cr.load(many_problems)


@pytest.fixture
def small_checkpoint(tmp_path):
    path = tmp_path / "small.safetensors"
    state = {"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "b": np.array([-1, 2], np.int64)}
    cr.save(state, path, metadata={"epoch": "2"})
    return path, state


def test_every_truncation_is_rejected(tmp_path, small_checkpoint):
    path, _ = small_checkpoint
    content = path.read_bytes()
    truncated = tmp_path / "truncated.safetensors"
    for size in range(len(content)):
        truncated.write_bytes(content[:size])
        with pytest.raises(CheckpointError):
            cr.load(truncated)


def test_every_single_bit_flip_is_detected(tmp_path, small_checkpoint):
    """A flip anywhere fails a check or the checksum, except a flip in the name of the
    checksum entry itself, which leaves the loaded content exactly as saved."""
    path, state = small_checkpoint
    content = bytearray(path.read_bytes())
    checksum_name = content.index(b"chainrule.sha256")
    flipped = tmp_path / "flipped.safetensors"
    for position in range(len(content)):
        for bit in range(8):
            content[position] ^= 1 << bit
            flipped.write_bytes(content)
            content[position] ^= 1 << bit
            if checksum_name <= position < checksum_name + len("chainrule.sha256"):
                try:
                    loaded = cr.load(flipped)
                except CheckpointError:
                    continue
                assert loaded.keys() == state.keys()
                assert all(np.array_equal(loaded[k], state[k]) for k in state)
                continue
            with pytest.raises(CheckpointError):
                cr.load(flipped)


def test_a_changed_value_fails_the_checksum(small_checkpoint):
    path, _ = small_checkpoint
    content = bytearray(path.read_bytes())
    content[-1] ^= 0x40  # the last byte of the data section
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="SHA-256 checksum"):
        cr.load(path)
    assert load_metadata(path)["epoch"] == "2"  # the header alone is intact


# A pickle that, when unpickled, runs open(MARKER, "w") and so creates the marker file.
def _armed_pickle(marker):
    return b"cbuiltins\nopen\n(V" + str(marker).encode() + b"\nVw\ntR."


def test_the_pickle_payload_is_armed(tmp_path):
    """Control: unpickling the payload (in a throwaway process) does create the marker."""
    marker, payload = tmp_path / "control-marker", tmp_path / "payload.pkl"
    payload.write_bytes(_armed_pickle(marker))
    subprocess.run([sys.executable, "-c", "import pickle, sys; "
                    "pickle.loads(open(sys.argv[1], 'rb').read())", str(payload)], check=True)
    assert marker.exists()


def _npy_with_pickle(payload):
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b" " * (63 - len(header) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def _torch_style_zip(path, payload):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/version", "3\n")


@pytest.mark.parametrize("make, fragment", [
    (lambda path, payload: path.write_bytes(b"\x80\x02" + payload), "a Python pickle"),
    (lambda path, payload: path.write_bytes(b"\x80\x04\x95" + struct.pack("<Q", len(payload))
                                            + payload), "a Python pickle"),
    (lambda path, payload: path.write_bytes(payload), "or not safetensors"),
    (lambda path, payload: path.write_bytes(_npy_with_pickle(payload)), "a NumPy .npy file"),
    (_torch_style_zip, "a zip archive"),
])
@pytest.mark.parametrize("name", ["model.safetensors", "model.pt"])
def test_pickle_bearing_files_are_rejected_without_running_anything(tmp_path, make, fragment, name):
    marker, path = tmp_path / "marker", tmp_path / name
    make(path, _armed_pickle(marker))
    assert_rejected(path, fragment)
    with pytest.raises(CheckpointError):
        cr.io.load_state(path)
    assert not marker.exists()
