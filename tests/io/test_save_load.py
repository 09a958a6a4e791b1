"""chainrule.save / chainrule.load: round trips, metadata, validation against a model's state,
bad arguments, and PyTorch interoperability (src/chainrule/io/checkpoint.py)."""
import json
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import CheckpointError, load_metadata, load_state, read_checkpoint, validate_state_dict


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "float16", "int8", "uint8", "bool"])
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3, 4)])
def test_round_trip_keeps_values_dtype_and_shape(tmp_path, dtype, shape):
    rng = np.random.default_rng(0)
    array = np.asarray(rng.standard_normal(shape) * 100).astype(dtype)
    path = tmp_path / "a.safetensors"
    cr.save({"x": array}, path)
    loaded = cr.load(path)
    assert list(loaded) == ["x"]
    assert loaded["x"].dtype == array.dtype and loaded["x"].shape == array.shape
    np.testing.assert_array_equal(loaded["x"], array)
    assert loaded["x"].flags.writeable


def test_round_trip_of_tensors_views_and_big_endian_arrays(tmp_path):
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    state = {
        "tensor": cr.tensor([1.5, -2.0], requires_grad=True),
        "transposed": base.T,  # a non-contiguous view: raw memory would be garbled
        "strided": base[:, ::2],
        "big_endian": base.astype(">f8"),
        "scalar": np.int32(7),
    }
    cr.save(state, tmp_path / "v.safetensors")
    loaded = cr.load(tmp_path / "v.safetensors")
    np.testing.assert_array_equal(loaded["tensor"], np.array([1.5, -2.0], dtype=np.float32))
    np.testing.assert_array_equal(loaded["transposed"], base.T)
    np.testing.assert_array_equal(loaded["strided"], base[:, ::2])
    np.testing.assert_array_equal(loaded["big_endian"], base)
    assert loaded["big_endian"].dtype == np.float64
    assert loaded["scalar"].shape == () and loaded["scalar"].dtype == np.int32 and loaded["scalar"] == 7


def test_metadata_is_stored_with_pytorch_format_and_checksum(tmp_path):
    path = tmp_path / "m.safetensors"
    cr.save({"w": np.zeros(2)}, path, metadata={"epoch": "3"})
    metadata = cr.load_metadata(path)
    assert metadata["epoch"] == "3" and metadata["format"] == "pt"
    assert len(metadata["chainrule.sha256"]) == 64
    arrays, same = read_checkpoint(path)
    assert same == metadata and list(arrays) == ["w"]


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "c.safetensors"
    cr.save({"w": np.ones(3)}, path)
    cr.save({"v": np.zeros(2, np.int64)}, path)
    loaded = cr.load(path)
    assert list(loaded) == ["v"] and loaded["v"].dtype == np.int64
    assert [p.name for p in tmp_path.iterdir()] == ["c.safetensors"]  # no temporary left


@pytest.mark.parametrize("state, message", [
    ({"w": np.zeros(2, complex)}, "value for key 'w' has unsupported dtype complex128"),
    ({"w": np.array(["a"])}, "unsupported dtype <U1"),
    ({"model": {"w": np.zeros(2, complex)}}, "value for key 'model.w' has unsupported dtype complex128"),
    ({"w": {1, 2}}, r"save: cannot store set at \['w'\]"),
    ({(1, 2): np.zeros(2)}, r"save: key \(1, 2\) at the top level must be a str or an int"),
])
def test_save_rejects_what_safetensors_and_json_cannot_hold(tmp_path, state, message):
    with pytest.raises(TypeError, match=message):
        cr.save(state, tmp_path / "x.safetensors")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("metadata, error", [
    ({"epoch": 3}, TypeError), ({"chainrule.sha256": "0" * 64}, ValueError),
])
def test_save_rejects_bad_metadata(tmp_path, metadata, error):
    with pytest.raises(error, match="metadata"):
        cr.save({"w": np.zeros(2)}, tmp_path / "x.safetensors", metadata=metadata)


def test_load_against_expected_lists_every_problem_and_names_the_file(tmp_path):
    path = tmp_path / "model.safetensors"
    cr.save({"0.weight": np.zeros((3, 4), np.float32), "0.bias": np.zeros(3, np.float64),
             "extra": np.zeros(1, np.float32)}, path)
    expected = {"0.weight": np.zeros((4, 3), np.float32), "0.bias": cr.zeros(3),
                "2.weight": np.zeros((2, 3), np.float32)}
    with pytest.raises(CheckpointError) as info:
        cr.load(path, expected=expected)
    error = info.value
    assert error.path == path
    assert error.problems == [
        "missing keys: '2.weight'",
        "unexpected keys: 'extra'",
        "'0.weight': shape (3, 4) in the file, (4, 3) expected",
        "'0.bias': dtype float64 in the file, float32 expected",
    ]
    assert str(error).startswith(f"checkpoint {str(path)!r}: 4 problems:\n  - missing keys")


def test_load_against_expected_follows_its_key_order(tmp_path):
    state = {f"{i}.weight": np.full((2, 2), i, np.float32) for i in (0, 2, 10)}
    cr.save(state, tmp_path / "m.safetensors")
    loaded = cr.load(tmp_path / "m.safetensors", expected=state)
    assert list(loaded) == ["0.weight", "2.weight", "10.weight"]
    assert all(np.array_equal(loaded[k], state[k]) for k in state)


def test_validate_state_dict_in_memory():
    validate_state_dict({"w": np.zeros(2)}, {"w": np.ones(2)})
    with pytest.raises(CheckpointError, match=r"^state dict: missing keys: 'w'$"):
        validate_state_dict({}, {"w": np.ones(2)})


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        cr.load(tmp_path / "absent.safetensors")


def test_error_lists_at_most_twenty_problems(tmp_path):
    expected = {f"k{i}": np.zeros(1) for i in range(30)}
    with pytest.raises(CheckpointError) as info:
        validate_state_dict({f"k{i}": np.zeros(2) for i in range(30)}, expected)
    assert len(info.value.problems) == 30
    assert str(info.value).endswith("  ... and 10 more")


def _mlp(seed):
    """A [4, 3, 2] ReLU MLP in chainrule and its PyTorch twin (same keys and layouts)."""
    torch = pytest.importorskip("torch")
    cr.manual_seed(seed)
    torch.manual_seed(seed)
    ours = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.ReLU(), cr.nn.Linear(3, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    return ours, theirs


def _outputs(ours, theirs):
    import torch

    x = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with cr.no_grad():
        return ours(cr.tensor(x)).numpy(), expected


def test_pytorch_loads_a_chainrule_checkpoint_strictly(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    ours, theirs = _mlp(seed=1)
    cr.save(ours.state_dict(), tmp_path / "mlp.safetensors")
    theirs.load_state_dict(safetensors_torch.load_file(tmp_path / "mlp.safetensors"), strict=True)
    actual, expected = _outputs(ours, theirs)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_chainrule_loads_a_pytorch_checkpoint(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    ours, theirs = _mlp(seed=2)
    safetensors_torch.save_file(theirs.state_dict(), tmp_path / "torch.safetensors",
                                metadata={"format": "pt"})
    ours.load_state_dict(cr.load(tmp_path / "torch.safetensors", expected=ours.state_dict()))
    for name, tensor in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name], tensor.numpy())
    actual, expected = _outputs(ours, theirs)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_without_safetensors_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[cli\]'"):
        cr.save({"w": np.zeros(2)}, tmp_path / "w.safetensors")
    assert not any(tmp_path.iterdir())


def test_a_path_that_cannot_be_read_is_a_checkpoint_error(tmp_path):
    folder = tmp_path / "folder.safetensors"
    folder.mkdir()
    for read in (cr.load, load_metadata, load_state):
        with pytest.raises(CheckpointError, match=f"^checkpoint '{folder}': cannot read it: Is a directory$"):
            read(folder)


SAVE_IN_A_NEW_PROCESS = """
import sys
import numpy as np
import chainrule as cr
state = {"b": np.arange(3, dtype=np.float32), "a": np.ones((2, 2), dtype=np.float64), "e": np.zeros(0, np.int64)}
cr.save(state, sys.argv[1], metadata={k: k.upper() * 3 for k in "zyxwvutsrqponm"} | {"é": "ü"})
"""


def test_identical_content_gives_identical_bytes_in_separate_processes(tmp_path, subprocess_env):
    # safetensors' writer orders metadata by a per-process hash seed; save rewrites the header
    paths = [tmp_path / f"{i}.safetensors" for i in range(4)]
    for i, path in enumerate(paths):
        env = {**subprocess_env, "PYTHONHASHSEED": str(i)}
        subprocess.run([sys.executable, "-c", SAVE_IN_A_NEW_PROCESS, str(path)], env=env, check=True, timeout=120)
    contents = {path.read_bytes() for path in paths}
    assert len(contents) == 1
    data = contents.pop()
    size = int.from_bytes(data[:8], "little")
    assert size % 8 == 0
    header = data[8:8 + size].decode().rstrip(" ")
    assert header.startswith('{"__metadata__":{"chainrule.sha256":')
    assert header.index('"m":"MMM"') < header.index('"z":"ZZZ"') < header.index('"é":"ü"')
    arrays, metadata = read_checkpoint(paths[0])
    assert metadata["é"] == "ü" and metadata["format"] == "pt"
    np.testing.assert_array_equal(arrays["b"], np.arange(3, dtype=np.float32))
    np.testing.assert_array_equal(arrays["a"], np.ones((2, 2)))
    assert arrays["e"].shape == (0,) and arrays["e"].dtype == np.int64


@pytest.mark.parametrize("name", ["model.pt", "model.PTH", "model.ckpt"])
def test_a_pytorch_pickle_name_gets_a_warning_and_still_a_safetensors_file(name, tmp_path):
    import warnings

    path = tmp_path / name
    with pytest.warns(UserWarning, match=r"will hold safetensors, which torch.load cannot read; "
                                         r"name it .safetensors"):
        cr.save({"w": np.ones(2, np.float32)}, path)
    np.testing.assert_array_equal(cr.load(path)["w"], np.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.save({"w": np.ones(2, np.float32)}, tmp_path / "model.safetensors")


MEASURE_LOAD = """
import sys
import numpy as np
import chainrule as cr
base = peak_mib()
expected = {"w": np.zeros(3, np.float32)} if sys.argv[2] == "expected" else None
try:
    cr.load(sys.argv[1], expected=expected)
    outcome = "loaded"
except cr.CheckpointError as exc:
    outcome = str(exc)
print(outcome)
print(peak_mib() - base)  # MiB above the imports
"""


def _sparse_file(path, nbytes, checksum=None):
    """A valid-looking header for one float32 tensor of ``nbytes`` bytes, and a sparse data
    section of zeros (a few KB on disk whatever its size)."""
    header = {"w": {"dtype": "F32", "shape": [nbytes // 4], "data_offsets": [0, nbytes]}}
    if checksum is not None:
        header["__metadata__"] = {"chainrule.sha256": checksum}
    raw = json.dumps(header).encode()
    with open(path, "wb") as file:
        file.write(len(raw).to_bytes(8, "little") + raw)
        file.truncate(8 + len(raw) + nbytes)


@pytest.mark.parametrize("checksum, mode, refused, bound_mib", [
    ("0" * 64, "plain", "does not match its SHA-256 checksum", 16),  # checked a megabyte at a time
    (None, "expected", "'w': shape (67108864,) in the file, (3,) expected", 16),  # before the data
    (None, "plain", None, 256 + 32),  # a valid file costs its size once (no second copy)
])
def test_what_a_load_costs_in_memory(tmp_path, subprocess_env, peak_mib_prelude, checksum, mode, refused, bound_mib):
    path = tmp_path / "big.safetensors"
    _sparse_file(path, 256 << 20, checksum)
    result = subprocess.run([sys.executable, "-c", peak_mib_prelude + MEASURE_LOAD, str(path), mode], env=subprocess_env,
                            capture_output=True, text=True, timeout=120, check=True)
    outcome, grown = result.stdout.splitlines()
    assert outcome == "loaded" if refused is None else refused in outcome
    assert int(grown) < bound_mib
    if refused is None:
        assert int(grown) >= 240  # the measurement sees the tensor's memory


def test_loaded_arrays_are_writable_views_of_one_read(tmp_path):
    cr.save({"a": np.arange(3, dtype=np.int16), "b": np.ones((2, 2), np.float64)}, tmp_path / "w.safetensors")
    loaded = cr.load(tmp_path / "w.safetensors")
    loaded["a"][0] = 7
    assert loaded["a"].tolist() == [7, 1, 2] and loaded["b"].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert loaded["a"].dtype == np.int16 and loaded["b"].flags.writeable
