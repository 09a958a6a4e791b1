import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import Digits
from chainrule.io import CheckpointError
from chainrule.train import NonFiniteLossError, TrainingRun, TrainState
from chainrule.train.checkpoint import MODEL_FILE, SIDECAR_FILE, open_checkpoint, save_checkpoint


def _slot(run, name):
    return os.path.join(run.run_dir, "checkpoints", name)


def test_weights_load_into_pytorch_with_strict_keys(small_run):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    from safetensors import safe_open

    path = os.path.join(_slot(small_run, "best"), MODEL_FILE)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 100), torch.nn.ReLU(),
                              torch.nn.Linear(100, 10))
    net.load_state_dict(safetensors_torch.load_file(path), strict=True)
    with safe_open(path, "pt") as file:
        assert file.metadata()["format"] == "pt"
    images = Digits(train=False).get_batch(np.arange(50))[0]
    with torch.no_grad():
        expected = net(torch.from_numpy(images)).numpy()
    model = open_checkpoint(path).build_model().eval()
    np.testing.assert_allclose(model(cr.tensor(images)).data, expected, rtol=1e-5, atol=1e-5)


def test_sidecar_and_training_state_hold_what_resume_needs(small_run):
    checkpoint = open_checkpoint(small_run.run_dir, slot="last")
    sidecar = checkpoint.sidecar
    assert sidecar["config"]["batch_size"] == 32 and sidecar["model"]["input_shape"] == [1, 8, 8]
    assert sidecar["environment"]["blas_threads"] is not None or os.name != "posix"
    assert (checkpoint.state.epoch, checkpoint.state.step, checkpoint.state.epoch_step) == (2, 92, 0)
    assert len(checkpoint.state.history) == 2
    assert sidecar["rng"]["bit_generator"] == "PCG64" and checkpoint.rng == sidecar["rng"]
    training = checkpoint.training_state()
    assert set(training) == {"optimizer", "scheduler", "loader"}
    assert training["loader"]["next_batch"] == 0
    assert training["optimizer"]["param_groups"][0]["lr"] == 0.1


def test_best_is_the_epoch_with_the_highest_test_accuracy(small_run):
    accuracies = small_run.history["test_acc"]
    best = open_checkpoint(small_run.run_dir)  # a run directory means its best checkpoint
    assert best.directory == _slot(small_run, "best")
    assert best.state.epoch == 1 + int(np.argmax(accuracies))


def test_checkpoint_paths_and_clear_errors(small_run, tmp_path):
    last = _slot(small_run, "last")
    assert open_checkpoint(last).directory == last
    assert open_checkpoint(os.path.join(last, MODEL_FILE)).directory == last
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        open_checkpoint(tmp_path / "missing")
    with pytest.raises(CheckpointError, match="no best or last checkpoint here"):
        open_checkpoint(tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(last, broken)
    (broken / SIDECAR_FILE).write_text("{not json")
    with pytest.raises(CheckpointError, match="cannot read the sidecar"):
        open_checkpoint(broken)
    (broken / SIDECAR_FILE).write_text(json.dumps({"format": "something else"}))
    with pytest.raises(CheckpointError, match="not a chainrule training checkpoint"):
        open_checkpoint(broken)
    shutil.copy(os.path.join(last, SIDECAR_FILE), broken / SIDECAR_FILE)
    data = (broken / MODEL_FILE).read_bytes()
    (broken / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError):
        open_checkpoint(broken).build_model()


def test_non_finite_weights_are_never_saved(small_run, tmp_path):
    run_dir = tmp_path / "copy"
    shutil.copytree(small_run.run_dir, run_dir)
    model = open_checkpoint(run_dir, slot="last").build_model()
    model.state_dict()["3.bias"][2] = np.nan
    run = TrainingRun(model, None, None, None, None, None, 2, TrainState(step=93))
    with pytest.raises(NonFiniteLossError, match=r"weights 3.bias hold NaN or Inf after step 93"):
        save_checkpoint(str(run_dir), "last", run, {})
    assert open_checkpoint(run_dir, slot="last").state.step == 92


class _Killed(BaseException):
    """Stands for a SIGKILL between two saves (BaseException: nothing catches it)."""


def test_a_kill_between_the_epoch_end_saves_keeps_best(small_run, small_run_config, tmp_path, monkeypatch):
    """best is saved before last: once last marks the epoch done, best is already on disk."""
    from chainrule.train import checkpoint
    from chainrule.train.config import TrainConfig
    from chainrule.train.runner import resume_run, start_run

    save, epoch_end_saves = checkpoint.save_checkpoint, []

    def save_then_die_at_the_second_epoch_end_save(run_dir, slot, run, description):
        if run.state.epoch == 1 and run.state.epoch_step == 0:
            epoch_end_saves.append(slot)
            if len(epoch_end_saves) == 2:
                raise _Killed
        save(run_dir, slot, run, description)

    monkeypatch.setattr(checkpoint, "save_checkpoint", save_then_die_at_the_second_epoch_end_save)
    run_dir = tmp_path / "run"
    with pytest.raises(_Killed):
        start_run(TrainConfig(out=str(run_dir), **small_run_config))
    monkeypatch.undo()
    assert open_checkpoint(run_dir, slot="best").state.epoch == 1
    assert open_checkpoint(run_dir, slot="last").state.epoch == 0  # the epoch is redone on resume
    result = resume_run(str(run_dir), echo=lambda line: None)
    assert result.history["test_acc"] == small_run.history["test_acc"]
    for slot in ("best", "last"):
        got, want = open_checkpoint(run_dir, slot=slot), open_checkpoint(small_run.run_dir, slot=slot)
        assert got.state.step == want.state.step
        for key, array in want.model_state().items():
            assert got.model_state()[key].tobytes() == array.tobytes(), f"{slot} {key}"


def _edit_sidecar(sidecar, key_path, value):
    *parents, last = key_path
    for key in parents:
        sidecar = sidecar[key]
    if value is _DELETE:
        del sidecar[last]
    else:
        sidecar[last] = value


_DELETE = object()
BAD_SIDECARS = [
    (("state", "epoch"), "x", "key 'state': field 'epoch' is 'x', expected an integer >= 0"),
    (("state", "history"), 5, "key 'state': field 'history' is 5, expected a list of records"),
    (("state", "history"), [{"test_acc": "high"}, {}], "field 'history' is [{'test_acc': 'high'}, {}]"),
    (("state", "step"), _DELETE, "key 'state': missing field 'step'"),
    (("state", "epoch"), 1, "key 'state': field 'history' holds 2 records for 1 completed epochs"),
    (("model", "input_shape"), [1, "x", 8], "key 'model': 'input_shape' must be a list of 3 positive integers"),
    (("model", "classes"), "0123456789", "key 'model': 'classes' must be a non-empty list of names"),
    (("model",), _DELETE, "missing key 'model'"),
    (("environment",), [], "key 'environment': expected an object whose 'blas_threads'"),
    (("environment", "blas_threads"), "4", "key 'environment': expected an object whose 'blas_threads'"),
    (("config", "lr"), "fast", "key 'config': "),
    (("rng",), {"bit_generator": "os.system"}, "key 'rng': unknown generator state 'os.system'"),
    (("rng", "state"), "x", "key 'rng': malformed PCG64 generator state"),
    (("rng",), _DELETE, "missing key 'rng'"),
    (("rng", "state", "state"), 2 ** 300, "key 'rng': malformed PCG64 generator state"),
    (("rng", "state", "inc"), -5, "key 'rng': malformed PCG64 generator state"),
    (("config",), [1, 2], "checkpoint.json: expected an object of options, got list [1, 2]"),
    (("config",), "x", "expected an object of options, got str 'x'"),
    (("model", "input_shape"), [1, 100000, 100000], "key 'model': input_shape [1, 100000, 100000] is not digits's [1, 8, 8]"),
    (("model", "classes"), [str(i) for i in range(12)], "key 'model': 12 classes, digits has 10"),
    (("config", "hidden"), [5_000_000], "key 'config': hidden [5000000] declares a layer wider than any "
                                        "tensor in model.safetensors (the widest dimension there is"),
]


@pytest.fixture
def edited_run(small_run, tmp_path):
    """``edit(key_path, value)``: a copy of small_run whose ``last`` sidecar has ``value`` at
    ``key_path`` (``_DELETE`` removes the key); returns (run directory, sidecar path)."""
    def edit(key_path, value):
        run_dir = tmp_path / "edited"
        shutil.copytree(small_run.run_dir, run_dir)
        path = run_dir / "checkpoints" / "last" / SIDECAR_FILE
        sidecar = json.loads(path.read_text())
        _edit_sidecar(sidecar, key_path, value)
        path.write_text(json.dumps(sidecar))
        return run_dir, path

    return edit


@pytest.mark.parametrize("key_path, value, message", BAD_SIDECARS,
                         ids=["/".join(k) + f"={v if v is not _DELETE else 'deleted'}" for k, v, _ in BAD_SIDECARS])
def test_a_bad_sidecar_field_is_a_checkpoint_error_naming_file_and_key(edited_run, key_path, value, message):
    run_dir, path = edited_run(key_path, value)
    with pytest.raises(CheckpointError) as info:
        open_checkpoint(run_dir, slot="last")
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"checkpoint {str(path)!r}: invalid sidecar: ") and message in str(info.value)


def test_a_sidecar_without_environment_opens_and_resumes(edited_run):
    from chainrule.train.runner import resume_run

    run_dir, _ = edited_run(("environment",), _DELETE)
    checkpoint = open_checkpoint(run_dir, slot="last")
    assert checkpoint.blas_threads is None and checkpoint.state.step == 92
    lines = []
    assert resume_run(str(run_dir), echo=lines.append).history.epochs == checkpoint.state.history
    assert not any("BLAS threads" in line for line in lines)  # unknown: nothing to compare


def test_resume_warns_when_the_blas_thread_count_differs(edited_run):
    from chainrule.train.runner import resume_run

    run_dir, _ = edited_run(("environment", "blas_threads"), 999)
    lines = []
    resume_run(str(run_dir), overrides={"epochs": 3}, echo=lines.append)  # the run had finished its 2
    assert "warning: the run used 999 BLAS threads" in lines[0]


def test_missing_or_unreadable_files_of_a_checkpoint_are_checkpoint_errors(small_run, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(_slot(small_run, "last"), broken)
    os.remove(broken / MODEL_FILE)
    with pytest.raises(CheckpointError, match=f"{MODEL_FILE}': missing: the checkpoint .* is incomplete"):
        open_checkpoint(broken).build_model()
    os.mkdir(broken / MODEL_FILE)
    with pytest.raises(CheckpointError, match=f"{MODEL_FILE}': cannot read it: Is a directory"):
        open_checkpoint(broken)  # its header is read when the checkpoint is opened
    os.rmdir(broken / MODEL_FILE)
    shutil.copy(os.path.join(_slot(small_run, "last"), MODEL_FILE), broken / MODEL_FILE)
    os.remove(broken / "training.safetensors")
    with pytest.raises(CheckpointError, match="training.safetensors': missing"):
        open_checkpoint(broken).training_state()


def test_a_sidecar_nested_too_deeply_is_a_checkpoint_error(edited_run):
    run_dir, path = edited_run(("state",), {})
    path.write_text('{"format": "chainrule.checkpoint/1", "x": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(CheckpointError, match="cannot read the sidecar"):
        open_checkpoint(run_dir, slot="last")


def test_an_oversized_sidecar_is_refused_before_it_is_parsed(edited_run):
    run_dir, path = edited_run(("state",), {})
    path.write_text('{"format": "chainrule.checkpoint/1", "pad": "' + "x" * (4 << 20) + '"}')
    with pytest.raises(CheckpointError, match=r"the sidecar is 41943\d\d bytes, more than the 4194304"):
        open_checkpoint(run_dir, slot="last")


def test_a_sidecar_declaring_a_huge_model_costs_no_memory(edited_run, subprocess_env, peak_mib_prelude):
    run_dir, _ = edited_run(("config", "hidden"), [5_000_000])  # built first, it took 3.7 GB
    code = (peak_mib_prelude + "import sys\nfrom chainrule.train.checkpoint import open_checkpoint\n"
            "from chainrule.io import CheckpointError\n"
            "base = peak_mib()\n"
            "try:\n    open_checkpoint(sys.argv[1], slot='last').build_model()\n"
            "except CheckpointError as exc:\n    print(exc)\n"
            "print(peak_mib() - base)\n")
    result = subprocess.run([sys.executable, "-c", code, str(run_dir)], env=subprocess_env,
                            capture_output=True, text=True, timeout=120, check=True)
    message, grown = result.stdout.splitlines()
    assert "hidden [5000000] declares a layer wider than any tensor" in message
    assert int(grown) < 32  # MiB
