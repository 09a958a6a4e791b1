"""benchmarks/epoch_time.py's arguments and the commands it runs (no timing here)."""
import sys

import pytest

from benchmarks import epoch_time


def test_defaults_time_the_three_fast_models_at_one_thread_three_times():
    args = epoch_time.parse_args(["--data-dir", "mnist"])
    assert (args.models, args.threads, args.repeats, args.no_torch) == (["nielsen", "mlp", "lenet5"], 1, 3, False)
    assert args.data_dir.is_absolute() and args.data_dir.name == "mnist"


@pytest.mark.parametrize("argv", [["--threads", "0"], ["--repeats", "0"], ["--models", "resnet"]])
def test_a_bad_argument_stops_with_argparses_message(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        epoch_time.parse_args(argv)
    assert stopped.value.code == 2 and "error:" in capsys.readouterr().err


def test_chainrule_runs_the_cli_for_one_epoch_with_the_recipe_left_to_it(tmp_path):
    args = epoch_time.parse_args(["--data-dir", str(tmp_path), "--threads", "2"])
    command = epoch_time.chainrule_command("lenet5", args, tmp_path / "run")
    assert command[:4] == [sys.executable, "-m", "chainrule", "train"]
    assert command[4:] == ["--dataset", "mnist", "--data-dir", str(tmp_path), "--model", "lenet5",
                           "--epochs", "1", "--threads", "2", "--quiet", "--out", str(tmp_path / "run")]


@pytest.mark.parametrize("model, options", [
    ("nielsen", ["--loss", "mse", "--init", "default", "--batch-size", "10", "--lr", "3.0",
                 "--momentum", "0.0", "--weight-decay", "0.0"]),
    ("mlp", ["--loss", "cross-entropy", "--init", "fan_in_normal", "--batch-size", "10", "--lr", "0.1",
             "--momentum", "0.0", "--weight-decay", "5e-05"]),
    ("lenet5", ["--loss", "cross-entropy", "--init", "default", "--batch-size", "64", "--lr", "0.05",
                "--momentum", "0.9", "--weight-decay", "0.0005"]),
])
def test_pytorch_gets_the_recipe_the_cli_uses_on_mnist(model, options, tmp_path):
    args = epoch_time.parse_args(["--data-dir", str(tmp_path)])
    command = epoch_time.torch_command(model, args)
    assert command[:2] == [sys.executable, str(epoch_time.TORCH_SCRIPT)]
    assert command[2:] == ["--data-dir", str(tmp_path), "--model", model, *options,
                           "--threads", "1", "--seed", "0"]
    torch_script = pytest.importorskip("benchmarks.torch_mnist_epoch")  # it imports torch
    parsed = torch_script.parse_args(command[2:])  # the script takes every option given
    assert (parsed.model, parsed.batch_size, parsed.threads) == (model, int(options[5]), 1)


def test_the_child_processes_run_this_checkouts_code_at_the_thread_count(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "elsewhere")
    env = epoch_time.environment(2)
    assert env["PYTHONPATH"].split(":") == [str(epoch_time.REPO_ROOT / "src"), "elsewhere"]
    assert (env["OMP_NUM_THREADS"], env["OPENBLAS_NUM_THREADS"], env["MKL_NUM_THREADS"]) == ("2", "2", "2")
