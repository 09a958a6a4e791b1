"""Resumed runs end with weights bit-identical to uninterrupted ones, even after SIGKILL."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from chainrule.data import DataError
from chainrule.io import CheckpointError, load_state, save_state
from chainrule.train.checkpoint import open_checkpoint
from chainrule.train.config import TrainConfig
from chainrule.train.runner import resume_run, start_run

# Runs the CLI and kills itself with SIGKILL: "step K" right after optimizer step K, "save K"
# in the K-th checkpoint save, after the new weights file is written and before the rest.
KILL_DRIVER = """
import os, signal, sys
from chainrule.cli import main
from chainrule.train import checkpoint, loop

mode, k = sys.argv[1], int(sys.argv[2])
calls = []

def kill_after(function, when):
    def wrapper(*args, **kwargs):
        calls.append(1)
        if mode == "save" and len(calls) == k:
            os.kill(os.getpid(), signal.SIGKILL)
        result = function(*args, **kwargs)
        if when(args):
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapper

if mode == "step":
    loop._train_step = kill_after(loop._train_step, lambda args: args[0].state.step == k)
else:
    checkpoint.save_state = kill_after(checkpoint.save_state, lambda args: False)
main(sys.argv[3:])
"""
TOTAL_STEPS = 92  # 2 epochs of 46 batches (1,442 images, batches of 32)
SAVES = TOTAL_STEPS // 7 + 2 * 2  # every 7 steps, plus last and best at each epoch end (at most)


def _weights(run_dir):
    return open_checkpoint(run_dir, slot="last").model_state()


def _assert_bit_identical(run_dir, reference_dir, context):
    got, want = _weights(run_dir), _weights(reference_dir)
    assert list(got) == list(want)
    for key in want:
        assert got[key].tobytes() == want[key].tobytes(), f"{key} differs ({context})"


def _resume_and_compare(run_dir, small_run, context):
    epochs = len(small_run.history)
    result = resume_run(str(run_dir), echo=lambda line: None)
    _assert_bit_identical(run_dir, small_run.run_dir, context)
    assert result.history.epochs[-1]["test_acc"] == small_run.history.epochs[-1]["test_acc"]
    with open(os.path.join(run_dir, "metrics.jsonl")) as file:
        assert len(file.readlines()) == epochs, context  # no epoch logged twice


def test_same_seed_gives_bit_identical_weights(small_run, small_run_config, tmp_path):
    again = start_run(TrainConfig(out=str(tmp_path / "again"), **small_run_config))
    _assert_bit_identical(again.run_dir, small_run.run_dir, "same seed")
    other = start_run(TrainConfig(out=str(tmp_path / "other"), seed=1, **small_run_config))
    assert not np.array_equal(_weights(other.run_dir)["1.weight"], _weights(small_run.run_dir)["1.weight"])


@pytest.mark.parametrize("mode, limit", [("step", TOTAL_STEPS - 1), ("save", SAVES)])
def test_killed_then_resumed_equals_uninterrupted(mode, limit, small_run, small_run_flags, subprocess_env, tmp_path):
    k = random.randint(1, limit)
    run_dir = tmp_path / "run"
    killed = subprocess.run([sys.executable, "-c", KILL_DRIVER, mode, str(k), *small_run_flags(run_dir)],
                            env=subprocess_env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    _resume_and_compare(run_dir, small_run, f"killed at {mode} {k}")


def test_killed_from_outside_at_a_random_moment(small_run, small_run_flags, subprocess_env, tmp_path):
    run_dir = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "chainrule", *small_run_flags(run_dir)],
                               env=subprocess_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = run_dir / "checkpoints" / "last" / "checkpoint.json"
    deadline = time.monotonic() + 60
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    delay = random.uniform(0, 0.3)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    _resume_and_compare(run_dir, small_run, f"killed {delay:.3f} s after the first checkpoint")


def test_resuming_with_more_epochs_equals_training_them_at_once(small_run, small_run_config, tmp_path):
    extended = tmp_path / "extended"
    shutil.copytree(small_run.run_dir, extended)
    result = resume_run(str(extended), {"epochs": 3}, echo=lambda line: None)
    at_once = start_run(TrainConfig(out=str(tmp_path / "at_once"), **{**small_run_config, "epochs": 3}))
    _assert_bit_identical(extended, at_once.run_dir, "2 epochs, then 1 more")
    assert result.history["test_acc"] == at_once.history["test_acc"]


def _drop_optimizer(state):
    state.pop("optimizer")


def _shrink_loader_batches(state):
    state["loader"].update(batch_size=5)


EDITS = {
    "optimizer": (_drop_optimizer, "no 'optimizer' entry"),
    "loader": (_shrink_loader_batches, "batch_size: saved 5, loader has 32"),
}


def _edited_training_state(small_run, tmp_path, edits):
    run_dir = tmp_path / "edited"
    shutil.copytree(small_run.run_dir, run_dir)
    path = run_dir / "checkpoints" / "last" / "training.safetensors"
    state = load_state(path)
    for edit in edits:
        edit(state)
    save_state(path, state)
    return run_dir, path


@pytest.mark.parametrize("name", EDITS)
def test_training_state_that_does_not_fit_is_a_clear_error(small_run, tmp_path, name):
    """A well-formed training.safetensors with content that cannot continue the run."""
    edit, message = EDITS[name]
    run_dir, path = _edited_training_state(small_run, tmp_path, [edit])
    with pytest.raises(CheckpointError, match=f"{re.escape(str(path))}.*does not fit this run") as info:
        resume_run(str(run_dir), {"epochs": 3}, echo=lambda line: None)
    assert message in str(info.value)


def test_every_problem_of_the_training_state_is_listed(small_run, tmp_path):
    run_dir, path = _edited_training_state(small_run, tmp_path, [edit for edit, _ in EDITS.values()])
    with pytest.raises(CheckpointError) as info:
        resume_run(str(run_dir), {"epochs": 3}, echo=lambda line: None)
    assert info.value.path == str(path) and len(info.value.problems) == len(EDITS)
    for _, message in EDITS.values():
        assert message in str(info.value)


def _cli(*args):
    from click.testing import CliRunner

    from chainrule.cli import build_cli

    return CliRunner().invoke(build_cli(), [str(a) for a in args], catch_exceptions=False)


def _files(run_dir):
    return {path: path.read_bytes() for path in sorted(run_dir.rglob("*")) if path.is_file()}


def test_a_finished_run_says_it_is_complete_and_changes_nothing(small_run, tmp_path):
    run_dir = tmp_path / "done"
    shutil.copytree(small_run.run_dir, run_dir)
    before = _files(run_dir)
    result = _cli("train", "--resume", run_dir)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"{run_dir} is already complete (2 of 2 epochs): nothing to train; train more with "
        f"--resume {run_dir} --epochs N")
    assert f"test accuracy {100 * small_run.test_acc:.2f}% after 2 epochs" in result.output
    assert _files(run_dir) == before


def test_fewer_epochs_than_completed_is_an_error(small_run, tmp_path):
    run_dir = tmp_path / "done"
    shutil.copytree(small_run.run_dir, run_dir)
    before = _files(run_dir)
    result = _cli("train", "--resume", run_dir, "--epochs", "1")
    assert result.exit_code == 1
    assert result.output == (f"Error: --epochs 1: {run_dir} has already completed 2 epochs; give at "
                             "least 2, or leave --epochs out\n")
    assert _files(run_dir) == before


def test_a_quiet_run_resumes_with_its_progress_shown(small_run, tmp_path):
    run_dir = tmp_path / "extended"
    shutil.copytree(small_run.run_dir, run_dir)  # trained with --quiet
    result = _cli("train", "--resume", run_dir, "--epochs", "3", "--no-quiet")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"resuming {run_dir} after step 92") and lines[1].startswith("epoch 3/3  train loss")
    assert json.loads((run_dir / "config.json").read_text())["config"]["quiet"] is False


def test_a_run_whose_checkpoints_were_deleted_is_not_retrained(small_run, tmp_path):
    run_dir = tmp_path / "lost"
    shutil.copytree(small_run.run_dir, run_dir)
    shutil.rmtree(run_dir / "checkpoints")
    before = _files(run_dir)
    result = _cli("train", "--resume", run_dir)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {run_dir}: metrics.jsonl records 2 epochs but checkpoints/ holds no checkpoint "
        "(deleted?), so there is nothing to continue from; train a new run with --out elsewhere, "
        "or delete metrics.jsonl to train this one again from the start\n")
    assert _files(run_dir) == before


def test_a_broken_last_names_the_intact_best_and_how_to_use_it(small_run, tmp_path):
    run_dir = tmp_path / "broken"
    shutil.copytree(small_run.run_dir, run_dir)
    (run_dir / "checkpoints" / "last" / "training.safetensors").write_bytes(b"garbage")
    result = _cli("train", "--resume", run_dir, "--epochs", "3")
    assert result.exit_code == 1
    best, last = run_dir / "checkpoints" / "best", run_dir / "checkpoints" / "last"
    best_epoch = open_checkpoint(run_dir, slot="best").state.epoch
    hint = (f"{best} (after epoch {best_epoch}) is intact: to continue from it, replace last with "
            f"it (rm -r {last} && cp -r {best} {last}) and resume again; eval and predict use it as it is")
    assert result.output.startswith(f"Error: checkpoint '{last / 'training.safetensors'}': ")
    assert result.output.endswith("\n" + hint + "\n"), result.output
    shutil.rmtree(last)
    shutil.copytree(best, last)
    result = _cli("train", "--resume", run_dir, "--epochs", "3", "--quiet")  # the hint works
    assert result.exit_code == 0, result.output
    assert open_checkpoint(run_dir, slot="last").state.epoch == 3


def test_resume_reuses_the_runs_data_dir_says_so_and_downloads_only_when_asked(stranger_run, no_network, tmp_path):
    run_dir, chosen = stranger_run  # its files: mnist, download true, data_dir `chosen`
    lines = []
    with pytest.raises(DataError) as error:
        resume_run(str(run_dir), {"epochs": 3}, echo=lines.append)
    assert lines == [f"reading mnist from {chosen} (the run's --data-dir; give --data-dir to read another folder)"]
    assert str(error.value).startswith(f"MNIST training files not found in {chosen}: ")
    assert not (tmp_path / "chosen").exists()


def test_resume_downloads_where_the_command_line_says(stranger_run, tmp_path, monkeypatch):
    run_dir, _ = stranger_run
    fetched = []

    def offline(url, destination, **kwargs):
        fetched.append((url, os.path.dirname(destination)))
        raise OSError("offline")

    monkeypatch.setattr("chainrule.data.mnist.download_url", offline)
    given = tmp_path / "given"
    lines = []
    with pytest.raises(DataError, match="could not download train-images-idx3-ubyte.gz"):
        resume_run(str(run_dir), {"epochs": 3, "download": True, "data_dir": str(given)}, echo=lines.append)
    assert lines == [] and fetched and {folder for _, folder in fetched} == {str(given)}
    assert not (tmp_path / "chosen").exists()
