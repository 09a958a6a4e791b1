"""Fuzzing the checkpoint and state loaders with hypothesis: random bytes, mutated valid
files and generated headers. Whatever the input, the only exception allowed out is
CheckpointError, and whatever loads matches what its header declares."""
import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.io import CheckpointError, load_metadata, load_state, save_state, unflatten_state
from chainrule.io.safetensors_format import DTYPES

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "input.safetensors"


def load_or_reject(path):
    """Load with every reader; return the arrays, or None if rejected with CheckpointError."""
    try:
        load_metadata(path)
        return cr.load(path)
    except CheckpointError:
        return None


@pytest.fixture(scope="module", params=["chainrule", "no-checksum"])
def valid_bytes(request, tmp_path_factory):
    """A state file from save_state, or a plain safetensors file without chainrule's checksum
    (as other tools write them), so that mutations also reach the content."""
    state = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "step": 3,
             "betas": (0.9, 0.999), "flags": np.array([True, False])}
    if request.param == "no-checksum":
        safetensors_numpy = pytest.importorskip("safetensors.numpy")
        return safetensors_numpy.save({"w": state["w"], "flags": state["flags"],
                                       "e": np.zeros((0, 2))}, metadata={"format": "pt"})
    path = tmp_path_factory.mktemp("valid") / "valid.safetensors"
    save_state(path, state)
    return path.read_bytes()


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(scratch, data):
    scratch.write_bytes(data)
    load_or_reject(scratch)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255),
                                st.sampled_from(["set", "insert", "delete"])), min_size=1, max_size=4))
def test_mutated_valid_files(scratch, valid_bytes, edits):
    content = bytearray(valid_bytes)
    for position, value, kind in edits:
        position %= len(content) + (kind == "insert")
        if kind == "set" and position < len(content):
            content[position] = value
        elif kind == "insert":
            content.insert(position, value)
        elif position < len(content):
            del content[position]
    scratch.write_bytes(content)
    load_or_reject(scratch)
    try:
        load_state(scratch)
    except CheckpointError:
        pass


_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                          st.floats(allow_nan=False), st.text(max_size=5))
_dims = st.one_of(st.integers(-2, 6), st.integers(0, 2 ** 64), _json_scalars)
_entries = st.fixed_dictionaries({
    "dtype": st.one_of(st.sampled_from([*DTYPES, "BF16", "C64", "f32"]), _json_scalars),
    "shape": st.one_of(st.lists(_dims, max_size=4), _json_scalars),
    "data_offsets": st.one_of(st.lists(st.integers(-4, 200), min_size=0, max_size=3), _json_scalars),
})


@FUZZ
@given(header=st.dictionaries(st.text(max_size=6), _entries, max_size=4),
       metadata=st.one_of(st.none(), st.dictionaries(st.text(max_size=4), _json_scalars, max_size=2)),
       data_size=st.integers(0, 200))
def test_generated_headers(scratch, header, metadata, data_size):
    if metadata is not None:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    scratch.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(data_size))
    loaded = load_or_reject(scratch)
    if loaded is not None:
        for name, array in loaded.items():
            assert array.shape == tuple(header[name]["shape"])
            assert array.dtype == DTYPES[header[name]["dtype"]]


_structures = st.recursive(
    _json_scalars | st.fixed_dictionaries({"array": st.sampled_from(["a", "b", "zz", 3])})
    | st.fixed_dictionaries({"scalar": st.sampled_from(["a", "s"])})
    | st.fixed_dictionaries({"float": st.sampled_from(["nan", "-inf", "x", 1])}),
    lambda children: st.lists(children, max_size=3)
    | st.fixed_dictionaries({"tuple": st.lists(children, max_size=3)})
    | st.fixed_dictionaries({"dict": st.lists(st.lists(children | st.text(max_size=2), max_size=3),
                                              max_size=3)})
    | st.dictionaries(st.text(max_size=6), children, max_size=2),
    max_leaves=12)


@FUZZ
@given(structure=_structures)
def test_generated_state_structures(structure):
    arrays = {"a": np.zeros(2), "b": np.ones(3), "s": np.array(4.0)}
    try:
        unflatten_state(arrays, json.dumps(structure))
    except CheckpointError:
        pass
