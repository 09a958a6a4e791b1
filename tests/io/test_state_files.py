"""Nested training state in safetensors + JSON (src/chainrule/io/state.py)."""
import json
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import (
    CheckpointError, flatten_state, load_metadata, load_state, save_state, unflatten_state,
)


def optimizer_like_state():
    """What an Adam state_dict, a scheduler, a loader and the RNG look like together."""
    cr.manual_seed(3)
    return {
        "optimizer": {
            "state": {0: {"step": 7, "exp_avg": np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3),
                          "exp_avg_sq": cr.ones(3)},
                      1: {}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                              "maximize": None, "params": [0, 1]}],
        },
        "scheduler": {"last_epoch": 4, "base_lrs": [0.1], "min_lr": -math.inf, "best": math.nan},
        "loader": {"permutation": np.array([3, 0, 2, 1]), "position": 2, "seed": np.int64(11)},
        "rng": cr.random.get_rng_state(),
        "note": "épreuve ✓",
    }


def assert_same(actual, expected):
    if isinstance(expected, cr.Tensor):
        expected = expected.detach().numpy()
    assert type(actual) is type(expected) or isinstance(expected, np.ndarray), (actual, expected)
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same(a, e)
    elif isinstance(expected, (np.ndarray, np.generic)):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        np.testing.assert_array_equal(actual, expected)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual)
    else:
        assert actual == expected


def test_save_state_round_trip_keeps_types_keys_and_order(tmp_path):
    state = optimizer_like_state()
    save_state(tmp_path / "optim.safetensors", state, metadata={"kind": "adam"})
    loaded = load_state(tmp_path / "optim.safetensors")
    assert_same(loaded, state)
    assert isinstance(loaded["loader"]["seed"], np.int64)
    assert load_metadata(tmp_path / "optim.safetensors")["kind"] == "adam"


def test_restored_rng_state_continues_the_same_stream(tmp_path):
    cr.manual_seed(5)
    cr.randn(10)
    save_state(tmp_path / "rng.safetensors", {"rng": cr.random.get_rng_state()})
    expected = cr.randn(4).numpy()
    cr.manual_seed(99)
    cr.random.set_rng_state(load_state(tmp_path / "rng.safetensors")["rng"])
    np.testing.assert_array_equal(cr.randn(4).numpy(), expected)


def _train(model, optimizer, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = cr.tensor(rng.standard_normal((8, 4)).astype(np.float32))
        optimizer.zero_grad()
        (model(x) ** 2).mean().backward()
        optimizer.step()


def test_an_optimizer_restored_from_a_state_file_continues_identically(tmp_path):
    """Adam and its StepLR saved mid-run and restored into fresh objects give bit-identical
    weights after further steps."""
    def build():
        cr.manual_seed(0)
        model = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.Tanh(), cr.nn.Linear(3, 1))
        optimizer = cr.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
        return model, optimizer, cr.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

    model, optimizer, scheduler = build()
    _train(model, optimizer, steps=3, seed=1)
    scheduler.step()
    cr.save(model.state_dict(), tmp_path / "model.safetensors")
    save_state(tmp_path / "training.safetensors",
               {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()})
    _train(model, optimizer, steps=3, seed=2)

    restored, restored_optimizer, restored_scheduler = build()
    restored.load_state_dict(cr.load(tmp_path / "model.safetensors", expected=restored.state_dict()))
    training = load_state(tmp_path / "training.safetensors")
    restored_optimizer.load_state_dict(training["optimizer"])
    restored_scheduler.load_state_dict(training["scheduler"])
    _train(restored, restored_optimizer, steps=3, seed=2)
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(restored.state_dict()[name], array)


def test_flatten_names_arrays_by_their_path():
    arrays, structure = flatten_state({"state": {0: {"m": np.zeros(2)}}, "x": [np.ones(1)],
                                       "state.0.m": np.ones(3)})
    assert list(arrays) == ["state.0.m", "x.0", "state.0.m#1"]
    assert json.loads(structure) == {"dict": [
        ["state", {"dict": [[0, {"dict": [["m", {"array": "state.0.m"}]]}]]}],
        ["x", [{"array": "x.0"}]],
        ["state.0.m", {"array": "state.0.m#1"}]]}


def test_empty_and_top_level_values():
    for state in ({}, [], None, 3, "s", np.zeros(2)):
        arrays, structure = flatten_state(state)
        assert_same(unflatten_state(arrays, structure), state)


@pytest.mark.parametrize("state, message", [
    ({"f": print}, r"cannot store builtin_function_or_method at \['f'\]"),
    ({(1, 2): 0}, r"key \(1, 2\) at the top level must be a str or an int"),
    ({"a": {True: 0}}, r"key True at \['a'\]"),
    ([{1.5: 0}], r"key 1.5 at \[0\]"),
])
def test_flatten_rejects_what_json_cannot_hold(state, message):
    with pytest.raises(TypeError, match=message):
        flatten_state(state)


@pytest.mark.parametrize("structure, arrays, message", [
    ('{"array": "gone"}', {}, "refers to a missing array 'gone'"),
    ('[{"array": "a"}, {"array": "a"}]', {"a": np.zeros(1)}, "refers to array 'a' twice"),
    ('{"scalar": "a"}', {"a": np.zeros(2)}, "scalar 'a' has shape (2,)"),
    ('{"float": "big"}', {}, "unknown node"),
    ('{"float": []}', {}, "unknown node"),  # found by atheris: an unhashable tag content
    ('{"float": {"nan": 1}}', {}, "unknown node"),
    ('{"dict": [[1, 2, 3]]}', {}, "invalid or repeated dict entry"),
    ('{"dict": [["k", 1], ["k", 2]]}', {}, "invalid or repeated dict entry"),
    ('{"dict": [[null, 1]]}', {}, "invalid or repeated dict entry"),
    ('{"a": 1, "b": 2}', {}, "unknown node"),
    ('{"tuple": 3}', {}, "unknown node"),
    ('[NaN]', {}, "bare NaN"),
    ('[', {}, "not valid JSON"),
    ("[" * 50_000 + "]" * 50_000, {}, "not valid JSON"),
    ("[]", {"orphan": np.zeros(1)}, "arrays not referenced by the state structure: ['orphan']"),
])
def test_unflatten_rejects_malformed_structures(structure, arrays, message):
    with pytest.raises(CheckpointError) as info:
        unflatten_state(arrays, structure, path="optim.safetensors")
    assert message in str(info.value) and "optim.safetensors" in str(info.value)


def test_load_state_of_a_weights_file_says_what_is_wrong(tmp_path):
    cr.save({"w": np.zeros(2)}, tmp_path / "weights.safetensors")
    with pytest.raises(CheckpointError, match="not a state file"):
        load_state(tmp_path / "weights.safetensors")


def test_save_state_reserves_its_metadata_key(tmp_path):
    with pytest.raises(ValueError, match="reserved"):
        save_state(tmp_path / "s.safetensors", {}, metadata={"chainrule.state": "{}"})
