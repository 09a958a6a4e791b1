"""The train, eval, predict and summary commands, run in-process with Click's runner."""
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import build_cli
from chainrule.data import Digits
from chainrule.train import evaluate
from chainrule.train.builders import build_loss
from chainrule.train.checkpoint import open_checkpoint
from chainrule.train.commands import given_options, train_config
from chainrule.train.config import TrainConfig, option_fields
from chainrule.train.images import load_image

click_testing = pytest.importorskip("click.testing")
PIL_Image = pytest.importorskip("PIL.Image")


def _invoke(*args):
    return click_testing.CliRunner().invoke(build_cli(), [str(a) for a in args], catch_exceptions=False)


def test_config_file_with_flags_overriding_it(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('epochs = 1\nbatch-size = 64\nlr = 0.05\nhidden = [32]\n')
    out = tmp_path / "run"
    result = _invoke("train", "--config", config, "--lr", "0.2", "--quiet", "--out", out)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"test accuracy \d+\.\d\d% after 1 epoch; run directory: .*\n", result.output)
    saved = json.loads((out / "config.json").read_text())
    assert {k: saved["config"][k] for k in ("epochs", "batch_size", "lr", "hidden", "out")} == {
        "epochs": 1, "batch_size": 64, "lr": 0.2, "hidden": [32], "out": str(out)}
    assert saved["environment"]["numpy"] == np.__version__
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_metrics_jsonl_has_one_record_per_epoch(small_run):
    with open(os.path.join(small_run.run_dir, "metrics.jsonl")) as file:
        records = [json.loads(line) for line in file]
    assert records == small_run.history.epochs
    assert [r["epoch"] for r in records] == [1, 2]
    for record in records:
        assert {"epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "time"} <= set(record)
        assert 0 <= record["test_acc"] <= 1 and record["train_loss"] > 0 and record["lr"] == 0.1


def test_per_epoch_summary_lines(tmp_path):
    result = _invoke("train", "--epochs", "2", "--out", tmp_path / "run")
    lines = result.output.splitlines()[1:]  # after the recipe's line
    assert re.fullmatch(r"epoch 1/2  train loss \d\.\d{4} acc \d+\.\d\d%  test loss \d\.\d{4} "
                        r"acc \d+\.\d\d%  lr 0\.1  \d+\.\d\d s", lines[0])
    assert lines[1].startswith("epoch 2/2") and lines[2].startswith("test accuracy")


def test_eval_prints_accuracy_per_class_accuracy_and_confusion_matrix(small_run):
    result = _invoke("eval", small_run.run_dir)
    assert result.exit_code == 0, result.output
    test_set = Digits(train=False)
    checkpoint = open_checkpoint(small_run.run_dir)
    from chainrule.data import DataLoader

    expected = evaluate(checkpoint.build_model(), build_loss("cross-entropy"), DataLoader(test_set, 1000))
    assert f"accuracy {100 * expected.accuracy:.2f}%" in result.output
    lines = result.output.splitlines()
    matrix_start = lines.index("confusion matrix (rows: true class, columns: predicted class):") + 2
    matrix = np.array([[int(v) for v in line.split()[1:]] for line in lines[matrix_start:matrix_start + 10]])
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(test_set.targets, minlength=10))
    assert np.trace(matrix) == round(expected.accuracy * len(test_set))
    per_class = re.findall(r"^\s+(\d)\s+(\d+\.\d\d)%$", result.output, flags=re.M)
    assert [c for c, _ in per_class] == list("0123456789")
    assert float(per_class[0][1]) == pytest.approx(100 * matrix[0, 0] / matrix[0].sum(), abs=0.006)


def test_predict_png_and_npy_images(small_run, tmp_path):
    test_set = Digits(train=False)
    pixels = (test_set.data[:3].astype(np.float32) * 255 / 16).round().astype(np.uint8)
    PIL_Image.fromarray(pixels[0]).save(tmp_path / "zero.png")
    np.save(tmp_path / "one.npy", pixels[1])
    PIL_Image.fromarray(pixels[2]).resize((28, 28)).convert("RGB").save(tmp_path / "two.jpg")
    paths = [tmp_path / "zero.png", tmp_path / "one.npy", tmp_path / "two.jpg"]
    result = _invoke("predict", small_run.run_dir, *paths)
    assert result.exit_code == 0, result.output
    model = open_checkpoint(small_run.run_dir).build_model().eval()
    with cr.no_grad():
        logits = model(cr.tensor(np.stack([load_image(p, (8, 8)) for p in paths]))).detach().numpy()
    for path, line, row in zip(paths, result.output.splitlines(), logits):
        match = re.fullmatch(rf"{re.escape(str(path))}: (\d) \((\d+\.\d)%\), (\d) \(\d+\.\d%\), (\d) \(\d+\.\d%\)", line)
        assert match, line
        assert [int(match[i]) for i in (1, 3, 4)] == list(np.argsort(-row)[:3])
        probabilities = np.exp(row - row.max()) / np.exp(row - row.max()).sum()
        assert float(match[2]) == pytest.approx(100 * probabilities.max(), abs=0.051)


def test_predict_feeds_the_float32_model_float32_whatever_dtype_the_file_holds(small_run, tmp_path):
    """Layers refuse another dtype (tests/nn/test_layer_dtypes.py): the CLI converts images first."""
    digit = (Digits(train=False).data[0] * 255 / 16).round()
    paths = []
    for dtype in ("float64", "int64", "uint8", "float16"):
        paths.append(tmp_path / f"{dtype}.npy")
        np.save(paths[-1], digit.astype(dtype))
    result = _invoke("predict", small_run.run_dir, *paths)
    assert result.exit_code == 0, result.output
    assert len({line.split(": ", 1)[1] for line in result.output.splitlines()}) == 1  # one image, one answer


@pytest.mark.parametrize("args, message", [
    (["eval", "{tmp}/nowhere"], "no such checkpoint or run directory"),
    (["eval", "{run}", "--dataset", "mnist"], "takes images of shape (1, 8, 8), not mnist's (1, 28, 28)"),
    (["predict", "{run}", "{tmp}/notes.txt"], "notes.txt: not a readable image"),
    (["predict", "{run}", "{tmp}/missing.png"], "missing.png: no such file"),
    (["train", "--out", "{run}"], "already holds a run; continue it with --resume"),
    (["train", "--resume", "{run}", "--lr", "1"], "it cannot change --lr"),
    (["train", "--resume", "{tmp}"], "is not a run directory (no config.json)"),
    (["train", "--config", "{tmp}/bad.toml"], "unknown option 'learning-rate'"),
    (["train", "--model", "resnet"], "unknown --model 'resnet'; available: "),
    (["train", "--dataset", "mnist", "--data-dir", "{tmp}"], "MNIST"),
    (["train", "--model", "lenet5"], "model 'lenet5' cannot take images of shape (1, 8, 8): layer '3' (Conv2d(6, 16"),
    (["train", "--model", "lenet5"], "; it takes the images of --dataset mnist or fashion-mnist\n"),
    (["train", "--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to sgd and rmsprop"),
])
def test_clear_errors(args, message, small_run, tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "bad.toml").write_text("learning-rate = 0.1\n")
    args = [a.format(tmp=tmp_path, run=small_run.run_dir) for a in args]
    result = _invoke(*args, "--out", tmp_path / "new") if args[0] == "train" and "--out" not in args \
        and "--resume" not in args else _invoke(*args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "new").exists()  # nothing written for a run that could not start


def _broken_copy(run_dir, tmp_path, damage):
    """A copy of the run whose ``last`` checkpoint (also its best: best is removed) is damaged."""
    import shutil

    copy = tmp_path / "broken"
    shutil.copytree(run_dir, copy)
    shutil.rmtree(copy / "checkpoints" / "best")
    damage(copy / "checkpoints" / "last")
    return copy


def _edit_state(last, **fields):
    path = last / "checkpoint.json"
    sidecar = json.loads(path.read_text())
    sidecar["state"].update(fields)
    path.write_text(json.dumps(sidecar))


def _model_file_is_a_directory(last):
    os.remove(last / "model.safetensors")
    os.mkdir(last / "model.safetensors")


def _nan_weight(last):
    weights = cr.load(last / "model.safetensors")
    weights["1.weight"][0, 0] = np.nan
    cr.save(weights, last / "model.safetensors")  # a valid file (checksum and all) with a NaN


@pytest.mark.parametrize("damage, message", [
    (lambda last: _edit_state(last, epoch="x"), "checkpoint.json': invalid sidecar: key 'state': field 'epoch' is 'x'"),
    (_model_file_is_a_directory, "model.safetensors': cannot read it: Is a directory"),
    (_nan_weight, "model.safetensors': tensor '1.weight' holds NaN or infinite values"),
], ids=["bad-sidecar", "model-file-is-a-directory", "nan-weight"])
@pytest.mark.parametrize("command", ["predict", "resume"])
def test_a_broken_checkpoint_is_one_error_line(command, damage, message, small_run, tmp_path):
    run_dir = _broken_copy(small_run.run_dir, tmp_path, damage)
    image = tmp_path / "digit.npy"
    np.save(image, np.zeros((8, 8), np.float32))
    result = _invoke("predict", run_dir, image) if command == "predict" else \
        _invoke("train", "--resume", run_dir, "--epochs", "3", "--quiet")  # 3: a finished run reads no weights
    assert result.exit_code == 1
    assert result.output.startswith("Error: checkpoint ") and message in result.output, result.output
    assert result.output.count("\n") == 1


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    result = _invoke("train", "--lr", "1e38", "--checkpoint-every", "1", "--quiet", "--out", out)
    assert result.exit_code == 1
    failed = re.search(r"Error: training stopped: the loss became nan at epoch 1, step \d+ of the "
                       r"epoch \(step (\d+) in all\)", result.output)
    assert failed, result.output
    last = open_checkpoint(out, slot="last")
    assert last.state.step == int(failed[1]) - 1
    assert all(np.isfinite(array).all() for array in last.model_state().values())


def test_detect_anomaly_stops_at_the_op_that_made_the_first_non_finite_value(tmp_path):
    from chainrule.autograd import is_anomaly_enabled

    out = tmp_path / "run"
    result = _invoke("train", "--detect-anomaly", "--lr", "1e38", "--epochs", "1", "--checkpoint-every", "1",
                     "--quiet", "--out", out)
    assert result.exit_code == 1 and not is_anomaly_enabled()
    assert result.output.startswith("Error: forward of linear produced "), result.output
    assert "input shapes: (32, 100), (10, 100), (10,); output shape: (32, 10)" in result.output
    assert "in linear: return _Linear.apply(input, weight, bias)" in result.output
    assert "its inputs were finite: this op made the non-finite value" in result.output
    assert "Traceback" not in result.output
    last = open_checkpoint(out, slot="last")  # the steps before it were saved, all finite
    assert all(np.isfinite(array).all() for array in last.model_state().values())


def _readme_commands():
    """The ``chainrule train`` command of each row of the README's results table."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Results on MNIST")[1].split("\n## ")[0]
    return dict(re.findall(r"^\| `(\w+)` .*?\| `chainrule train ([^`]*)` \|", table, flags=re.M))


def _resolved(args):
    """The config a ``chainrule train ARGS`` starts with, and the recipe options it took."""
    command = build_cli().commands["train"]
    with command.make_context("train", list(args)) as ctx:
        options = {k: v for k, v in ctx.params.items() if k not in ("config_file", "resume_dir")}
        return train_config(ctx.params["config_file"], given_options(ctx, options))


# what each row of the table was measured with (docs/training.md, docs/cnn.md)
MEASURED = {
    "nielsen": dict(loss="mse", optimizer="sgd", lr=3.0, batch_size=10, epochs=30),
    "mlp": dict(init="fan_in_normal", optimizer="sgd", lr=0.1, weight_decay=5e-5, batch_size=10, epochs=30),
    "lenet5": dict(optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=5e-4, schedule="cosine",
                   batch_size=64, epochs=10),
}
MEASURED["cnn_bn"] = MEASURED["lenet5"]


def test_each_row_of_the_readme_results_is_one_command_with_the_measured_recipe():
    commands = _readme_commands()
    assert sorted(commands) == sorted(MEASURED)
    for model, args in commands.items():
        config, _ = _resolved(args.split())
        assert config == TrainConfig(dataset="mnist", download=True, model=model, **MEASURED[model]), model


def test_the_recipe_is_printed_and_stored_in_the_run(tmp_path):
    out = tmp_path / "run"
    result = _invoke("train", "--model", "nielsen", "--epochs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ("recipe of nielsen on digits: --loss mse --optimizer sgd "
                                             "--lr 3.0 --batch-size 10 (options given override it)")
    saved = json.loads((out / "config.json").read_text())["config"]
    assert (saved["loss"], saved["lr"], saved["batch_size"], saved["epochs"]) == ("mse", 3.0, 10, 1)


def test_a_config_file_and_flags_override_the_recipe(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('model = "lenet5"\nlr = 0.01\n')
    resolved, taken = _resolved(["--config", str(config), "--epochs", "3", "--dataset", "mnist"])
    assert (resolved.lr, resolved.momentum, resolved.epochs, resolved.batch_size) == (0.01, 0.9, 3, 64)
    assert "lr" not in taken and "epochs" not in taken


def test_summary_counts_parameters():
    result = _invoke("summary", "--model", "nielsen", "--dataset", "mnist")
    assert result.exit_code == 0, result.output
    assert "23,860" in result.output  # 784*30 + 30 + 30*10 + 10
    assert "(N, 10)" in result.output and "Input shape: (N, 1, 28, 28)" in result.output


def test_summary_takes_trains_default_dataset_or_the_28x28_a_cnn_needs():
    result = _invoke("summary", "--model", "nielsen")  # the digits, as train
    assert "2,260" in result.output and "Input shape: (N, 1, 8, 8)" in result.output  # 64*30+30+30*10+10
    result = _invoke("summary", "--model", "lenet5")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("model 'lenet5' takes 28x28 images: shown for --dataset mnist\n")
    assert "61,706" in result.output
    result = _invoke("summary", "--model", "lenet5", "--dataset", "digits")  # asked for: refused
    assert result.exit_code == 1 and "it takes the images of --dataset mnist or fashion-mnist" in result.output


def test_eval_reads_only_the_test_files_and_says_how_to_get_missing_ones(mnist_dir, tmp_path):
    out = tmp_path / "run"
    assert _invoke("train", "--dataset", "mnist", "--data-dir", mnist_dir, "--epochs", "1", "--quiet",
                   "--batch-size", "600", "--out", out).exit_code == 0
    only_test = tmp_path / "only-test"
    only_test.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (only_test / name).symlink_to(mnist_dir / name)
    result = _invoke("eval", out, "--data-dir", only_test)
    assert result.exit_code == 0, result.output
    assert "on mnist test set (10000 images)" in result.output
    result = _invoke("eval", out, "--data-dir", tmp_path / "empty")
    assert result.exit_code == 1
    assert result.output.startswith("Error: MNIST test files not found in ")
    assert result.output.endswith("(this command cannot download; chainrule train --dataset mnist "
                                  "--download fetches them)\n")


def test_eval_never_reads_or_downloads_where_the_checkpoint_says(stranger_run, no_network, tmp_path, monkeypatch):
    run_dir, _ = stranger_run  # its sidecar: mnist, download true, data_dir a folder of its choosing
    home = tmp_path / "home"
    monkeypatch.setenv("CHAINRULE_HOME", str(home))
    result = _invoke("eval", run_dir)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: MNIST test files not found in {home / 'datasets' / 'mnist'}: ")
    assert not (tmp_path / "chosen").exists() and not home.exists()


def test_eval_reads_the_cache_or_the_data_dir_given(stranger_run, no_network, mnist_dir, mnist_home,
                                                     monkeypatch, tmp_path):
    run_dir, _ = stranger_run
    monkeypatch.setenv("CHAINRULE_HOME", str(mnist_home))
    for args in ([], ["--data-dir", mnist_dir]):
        result = _invoke("eval", run_dir, *args)
        assert result.exit_code == 0, result.output
        assert "on mnist test set (10000 images)" in result.output
    assert not (tmp_path / "chosen").exists()


def test_predict_touches_no_folder_the_checkpoint_names(stranger_run, no_network, tmp_path):
    run_dir, _ = stranger_run
    image = tmp_path / "digit.png"
    PIL_Image.fromarray((np.eye(28) * 255).astype(np.uint8)).save(image)
    result = _invoke("predict", run_dir, image)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{image}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digit.png", "stranger"]


def test_a_corrupt_file_gets_no_download_hint(tmp_path):
    import gzip

    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes(gzip.compress(b"not an IDX file"))
    result = _invoke("train", "--dataset", "mnist", "--data-dir", tmp_path, "--out", tmp_path / "new")
    assert result.exit_code == 1 and "not an IDX file" in result.output
    assert "download" not in result.output


def test_first_mnist_epoch_of_the_math_doc_experiment_and_its_eval(mnist_dir, tmp_path):
    out = tmp_path / "nielsen"
    result = _invoke("train", "--dataset", "mnist", "--data-dir", mnist_dir, "--model", "nielsen",
                     "--loss", "mse", "--lr", "3.0", "--batch-size", "10", "--epochs", "1",
                     "--quiet", "--out", out)
    assert result.exit_code == 0, result.output
    assert float(re.search(r"test accuracy (\d+\.\d+)%", result.output)[1]) >= 80.0  # ~95% after 30
    evaluation = _invoke("eval", out, "--data-dir", mnist_dir)
    assert "on mnist test set (10000 images)" in evaluation.output
    assert re.search(r"^\s+9 - nine\s+\d+\.\d\d%$", evaluation.output, flags=re.M)


def test_diagnostics_extend_the_records_without_changing_training(small_run, small_run_flags, tmp_path):
    out = tmp_path / "diagnosed"
    result = _invoke(*small_run_flags(out), "--diagnostics")
    assert result.exit_code == 0, result.output
    with open(out / "metrics.jsonl") as file:
        records = [json.loads(line) for line in file]
    assert {"grad_norm/1", "delta/3", "update_ratio/1", "dead_relu/2"} <= set(records[-1])
    assert (out / "diagnostics.png").is_file()
    weights = open_checkpoint(out, slot="last").model_state()
    for key, value in open_checkpoint(small_run.run_dir, slot="last").model_state().items():
        assert weights[key].tobytes() == value.tobytes()


FLOAT_OPTIONS = [f"--{f.name.replace('_', '-')}" for f in option_fields() if f.metadata["kind"] == "float"]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "1e999"])
@pytest.mark.parametrize("option", FLOAT_OPTIONS)
def test_non_finite_numbers_are_one_error_line_naming_the_option(option, value, tmp_path):
    result = _invoke("train", option, value, "--out", tmp_path / "new")
    assert result.exit_code == 2  # click's usage error
    bound = " >= 0" if option in ("--lr", "--momentum", "--weight-decay") else ""
    assert result.output.endswith(f"\nError: Invalid value for '{option}': {value!r} is not a finite number{bound}\n")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("option", ["--out", "--data-dir"])
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_path_is_refused_and_nothing_is_written(option, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _invoke("train", option, value)
    assert result.exit_code == 1
    assert result.output == (f"Error: option {option} cannot be an empty path; leave it out "
                             "for the default\n")
    assert list(tmp_path.iterdir()) == []


def test_paths_are_stored_absolute_so_eval_works_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("home")
    result = _invoke("train", "--epochs", "1", "--quiet", "--out", "home/run", "--data-dir", "data")
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "home" / "run" / "config.json").read_text())["config"]
    assert (saved["out"], saved["data_dir"]) == (str(tmp_path / "home" / "run"), str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path / "home")
    result = _invoke("eval", "run")
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output


def test_threads_are_applied_recorded_and_a_resume_with_others_warns(tmp_path):
    pytest.importorskip("threadpoolctl")
    from chainrule.train.rundir import blas_threads

    out = tmp_path / "run"
    result = _invoke("train", "--epochs", "1", "--quiet", "--threads", "1", "--out", out)
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "config.json").read_text())
    assert saved["config"]["threads"] == 1 and saved["environment"]["blas_threads"] == 1
    assert open_checkpoint(out, slot="last").blas_threads == 1
    default = blas_threads()  # this process's own count, untouched by the run
    result = _invoke("train", "--resume", out, "--epochs", "2", "--threads", "0")
    assert result.exit_code == 0, result.output
    if default != 1:
        assert result.output.startswith(f"warning: the run used 1 BLAS threads and this process uses "
                                        f"{default}; resume with --threads 1 for bit-identical results")
    assert json.loads((out / "config.json").read_text())["config"]["threads"] == 0


def test_a_blank_image_is_predicted_with_a_warning(small_run, tmp_path):
    np.save(tmp_path / "blank.npy", np.zeros((8, 8), np.float32))
    np.save(tmp_path / "digit.npy", Digits(train=False)[0][0].numpy()[0])
    result = _invoke("predict", small_run.run_dir, tmp_path / "blank.npy", tmp_path / "digit.npy")
    assert result.exit_code == 0, result.output
    assert f"warning: {tmp_path / 'blank.npy'} is blank (every pixel 0): its prediction means nothing" in result.output
    assert "digit.npy is blank" not in result.output


def test_predict_help_lists_the_formats_the_docs_list():
    result = _invoke("predict", "--help")
    assert "(PNG, JPEG, BMP, GIF or NPY)" in " ".join(result.output.split())
    docs = (Path(__file__).resolve().parents[2] / "docs" / "training.md").read_text()
    assert "Classifies PNG, JPEG, BMP, GIF or `.npy` images" in " ".join(docs.split())


def test_the_mlp_says_its_recipe_for_the_dataset(tmp_path):
    result = _invoke("train", "--epochs", "1", "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ("recipe of mlp on digits: --optimizer sgd --lr 0.1 "
                                             "--batch-size 32 (options given override it)")
    _, taken = _resolved(["--dataset", "mnist"])
    assert taken == {"optimizer": "sgd", "lr": 0.1, "batch_size": 10, "epochs": 30,
                     "init": "fan_in_normal", "weight_decay": 5e-5}
