"""chainrule.save / chainrule.load of what PyTorch users save: training checkpoint dicts,
nested dicts and lists of tensors, arrays and scalars; map_location, weights_only, and the
refusals (src/chainrule/io/serialization.py)."""
import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import CheckpointError, load_state, save_arrays


def _model_and_optimizer(seed=0):
    cr.manual_seed(seed)
    model = cr.nn.Sequential(cr.nn.Linear(3, 4, dtype=cr.float64), cr.nn.Tanh(), cr.nn.Linear(4, 2, dtype=cr.float64))
    optimizer = cr.optim.Adam(model.parameters(), lr=0.05, amsgrad=True)
    return model, optimizer


def _train(model, optimizer, scheduler, steps, start=0):
    rng = np.random.default_rng(7)
    batches = [(rng.standard_normal((5, 3)), rng.standard_normal((5, 2))) for _ in range(start + steps)]
    for x, y in batches[start:]:
        optimizer.zero_grad()
        loss = ((model(cr.tensor(x)) - cr.tensor(y)) ** 2).mean()
        loss.backward()
        optimizer.step()
        scheduler.step()
    return loss.item()


def test_a_training_checkpoint_round_trips_with_its_types(tmp_path):
    model, optimizer = _model_and_optimizer()
    _train(model, optimizer, cr.optim.lr_scheduler.StepLR(optimizer, 2), 3)
    checkpoint = {
        "epoch": 3, "loss": 0.12, "best": math.inf, "note": "run ✓", "done": False, "parent": None,
        "model": model.state_dict(), "optimizer": optimizer.state_dict(),
        "tensors": [cr.tensor([1.5, -2.0]), cr.arange(6).reshape(2, 3), cr.tensor(True)],
        "array": np.arange(4, dtype=np.uint8), "scalar": np.float32(0.25), "pair": (1, "b"), 7: {},
    }
    cr.save(checkpoint, tmp_path / "checkpoint.safetensors")
    loaded = cr.load(tmp_path / "checkpoint.safetensors")
    assert list(loaded) == list(checkpoint)
    for key in ("epoch", "loss", "best", "note", "done", "parent", "pair", 7):
        assert loaded[key] == checkpoint[key] and type(loaded[key]) is type(checkpoint[key])
    assert list(loaded["model"]) == list(checkpoint["model"])
    for name, array in checkpoint["model"].items():
        assert type(loaded["model"][name]) is np.ndarray and loaded["model"][name].dtype == np.float64
        np.testing.assert_array_equal(loaded["model"][name], array)
    assert loaded["optimizer"]["param_groups"] == checkpoint["optimizer"]["param_groups"]
    for index, state in checkpoint["optimizer"]["state"].items():
        assert loaded["optimizer"]["state"][index]["step"] == state["step"] == 3
        for field in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_array_equal(loaded["optimizer"]["state"][index][field], state[field])
    for got, saved in zip(loaded["tensors"], checkpoint["tensors"], strict=True):
        assert isinstance(got, cr.Tensor) and got.dtype == saved.dtype and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), saved.numpy())
    assert loaded["array"].dtype == np.uint8 and np.array_equal(loaded["array"], np.arange(4))
    assert type(loaded["scalar"]) is np.float32 and loaded["scalar"] == 0.25


def test_top_level_tensors_lists_and_awkward_names(tmp_path):
    path = tmp_path / "t.safetensors"
    for obj in (cr.ones(2, 3), [cr.zeros(1), np.ones(2)], {"__metadata__": np.zeros(2), 3: cr.ones(1)},
                {"__metadata__": np.ones(3)}, 5, None):
        cr.save(obj, path)
        loaded = cr.load(path)
        assert type(loaded) is type(obj)
        pairs = (list(zip(loaded.values(), obj.values(), strict=True)) if isinstance(obj, dict)
                 else list(zip(loaded, obj, strict=True)) if isinstance(obj, list) else [(loaded, obj)])
        if isinstance(obj, dict):
            assert list(loaded) == list(obj)
        for got, saved in pairs:
            assert type(got) is type(saved)
            np.testing.assert_array_equal(np.asarray(got), np.asarray(saved))


def test_a_flat_state_dict_is_a_plain_safetensors_file(tmp_path):
    model, _ = _model_and_optimizer()
    cr.save(model.state_dict(), tmp_path / "m.safetensors")
    assert "chainrule.state" not in cr.load_metadata(tmp_path / "m.safetensors")
    loaded = cr.load(tmp_path / "m.safetensors")
    assert all(type(a) is np.ndarray for a in loaded.values()) and sorted(loaded) == sorted(model.state_dict())


def test_pytorch_reads_the_tensors_of_a_nested_checkpoint(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model, optimizer = _model_and_optimizer()
    cr.save({"model": model.state_dict(), "epoch": 1, "extra": [cr.ones(2)]}, tmp_path / "c.safetensors")
    tensors = safetensors_torch.load_file(tmp_path / "c.safetensors")
    assert sorted(tensors) == sorted([f"model.{name}" for name in model.state_dict()] + ["extra.0"])
    np.testing.assert_array_equal(tensors["model.0.weight"].numpy(), model.state_dict()["0.weight"])


def test_resuming_from_a_loaded_checkpoint_continues_bit_identically(tmp_path):
    model, optimizer = _model_and_optimizer(seed=1)
    scheduler = cr.optim.lr_scheduler.StepLR(optimizer, 3, gamma=0.5)
    _train(model, optimizer, scheduler, 12)
    uninterrupted = {name: array.copy() for name, array in model.state_dict().items()}

    model, optimizer = _model_and_optimizer(seed=1)
    scheduler = cr.optim.lr_scheduler.StepLR(optimizer, 3, gamma=0.5)
    _train(model, optimizer, scheduler, 5)
    cr.save({"epoch": 5, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict()}, tmp_path / "resume.safetensors")

    model, optimizer = _model_and_optimizer(seed=2)  # different weights: all must come from the file
    scheduler = cr.optim.lr_scheduler.StepLR(optimizer, 3, gamma=0.5)
    checkpoint = cr.load(tmp_path / "resume.safetensors", map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    _train(model, optimizer, scheduler, 12 - checkpoint["epoch"], start=checkpoint["epoch"])
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, uninterrupted[name])


@pytest.mark.parametrize("wrap, refused", [
    (lambda model, optimizer: model,
     "save: cannot store the Sequential at the top level: files hold values, not code; "
     "store its state_dict() instead (e.g. model.state_dict(), optimizer.state_dict()) and "
     "restore it with load_state_dict"),
    (lambda model, optimizer: optimizer, "save: cannot store the Adam at the top level"),
    (lambda model, optimizer: {"epoch": 1, "model": model}, "save: cannot store the Sequential at ['model']"),
    (lambda model, optimizer: [object()], "save: cannot store object at [0]; expected tensors, arrays, numbers"),
])
def test_modules_optimizers_and_objects_are_refused_with_what_to_save(tmp_path, wrap, refused):
    with pytest.raises(TypeError) as info:
        cr.save(wrap(*_model_and_optimizer()), tmp_path / "x.safetensors")
    assert str(info.value).startswith(refused)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("map_location", [
    None, "cpu", "cpu:0", cr.device("cpu"), {"cuda:0": "cpu"}, {"cpu": cr.device("cpu")},
    lambda storage, location: storage, lambda storage, location: cr.from_numpy(storage),
])
@pytest.mark.parametrize("weights_only", [None, True, False])
def test_map_location_and_weights_only_accepted_as_in_torch(tmp_path, map_location, weights_only):
    cr.save({"w": cr.ones(2), "n": 4}, tmp_path / "w.safetensors")
    loaded = cr.load(tmp_path / "w.safetensors", map_location, weights_only=weights_only, mmap=False)
    assert loaded["n"] == 4 and isinstance(loaded["w"], cr.Tensor)
    np.testing.assert_array_equal(loaded["w"].numpy(), np.ones(2, np.float32))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"map_location": "cuda"}, RuntimeError, "load: map_location: device 'cuda' is not available: chainrule runs on the CPU only"),
    ({"map_location": cr.device("cuda", 1)}, RuntimeError, "device 'cuda:1' is not available"),
    ({"map_location": {"cpu": "cuda:0"}}, RuntimeError, "device 'cuda:0' is not available"),
    ({"map_location": 0}, TypeError, "load: map_location: device must be a string"),
    ({"map_location": lambda storage, location: 3}, TypeError, "load: map_location returned int"),
    ({"weights_only": "yes"}, TypeError, "load: weights_only must be True, False or None"),
    ({"mmap": 1}, TypeError, "load: mmap must be True, False or None"),
])
def test_bad_load_options_are_clear_errors(tmp_path, kwargs, error, message):
    cr.save({"w": cr.ones(2)}, tmp_path / "w.safetensors")
    with pytest.raises(error, match=message):
        cr.load(tmp_path / "w.safetensors", **kwargs)


def test_load_with_expected_reads_a_flat_file_as_arrays(tmp_path):
    model, _ = _model_and_optimizer()
    cr.save({name: cr.from_numpy(a) for name, a in model.state_dict().items()}, tmp_path / "m.safetensors")
    loaded = cr.load(tmp_path / "m.safetensors", expected=model.state_dict())
    assert all(type(a) is np.ndarray for a in loaded.values())
    assert isinstance(cr.load(tmp_path / "m.safetensors")["0.weight"], cr.Tensor)


def test_a_tampered_structure_is_a_checkpoint_error_naming_the_file(tmp_path):
    path = tmp_path / "bad.safetensors"
    save_arrays({"a": np.zeros(2)}, path, {"chainrule.state": '{"tensor": "b"}'})
    with pytest.raises(CheckpointError, match=r"bad.safetensors.*refers to a missing array 'b'"):
        cr.load(path)


def test_load_state_still_gives_arrays_for_saved_tensors(tmp_path):
    cr.save({"w": cr.ones(2)}, tmp_path / "s.safetensors")
    assert type(load_state(tmp_path / "s.safetensors")["w"]) is np.ndarray


def test_a_pytorch_name_warns_at_the_callers_line_and_round_trips(tmp_path):
    with pytest.warns(UserWarning, match="will hold safetensors, which torch.load cannot read") as caught:
        cr.save({"epoch": 1, "model": {"w": np.ones(2)}}, tmp_path / "checkpoint.pt")
    assert caught[0].filename == __file__
    assert cr.load(tmp_path / "checkpoint.pt")["epoch"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.save({"epoch": 1}, tmp_path / "checkpoint.safetensors")


def test_file_objects_are_refused_naming_what_to_pass(tmp_path):
    import io

    with pytest.raises(TypeError, match="save: f must be a path .* got BytesIO"):
        cr.save({"epoch": 1}, io.BytesIO())
    with pytest.raises(TypeError, match="load: f must be a path .* got BytesIO"):
        cr.load(io.BytesIO())


def test_scheduler_states_go_through_a_checkpoint_file(tmp_path):
    from chainrule.optim import lr_scheduler

    def build():
        model, optimizer = _model_and_optimizer()
        sequential = lr_scheduler.SequentialLR(optimizer, [lr_scheduler.LinearLR(optimizer, 0.1, total_iters=3),
                                                           lr_scheduler.ExponentialLR(optimizer, 0.9)], [3])
        return optimizer, sequential, lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)

    optimizer, sequential, plateau = build()
    for metric in (1.0, 2.0, 0.5, 0.7):
        sequential.step()
        plateau.step(metric)
    cr.save({"sequential": sequential.state_dict(), "plateau": plateau.state_dict(),
             "optimizer": optimizer.state_dict()}, tmp_path / "schedules.safetensors")
    saved = cr.load(tmp_path / "schedules.safetensors")
    optimizer2, sequential2, plateau2 = build()
    optimizer2.load_state_dict(saved["optimizer"])
    sequential2.load_state_dict(saved["sequential"])
    plateau2.load_state_dict(saved["plateau"])
    for metric in (0.9, 0.4, 0.4):
        for scheduler in (sequential, sequential2):
            scheduler.step()
        for scheduler in (plateau, plateau2):
            scheduler.step(metric)
        assert optimizer2.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
        assert plateau2.best == plateau.best and sequential2.last_epoch == sequential.last_epoch
