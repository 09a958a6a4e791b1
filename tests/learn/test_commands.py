"""``chainrule learn``: start, list, check and train from the shell, with progress in the folder."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainrule import learn
from chainrule.cli import build_cli

from .answers import SOLUTIONS, with_body


def run(*args):
    return CliRunner().invoke(build_cli(), ["learn", *args], catch_exceptions=False)


def solve(folder, *names, replace=None):
    for name in names:
        body = SOLUTIONS[name] if replace is None else SOLUTIONS[name].replace(*replace)
        (folder / f"{name}.py").write_text(with_body(learn.exercise(name).stub, body), encoding="utf-8")


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "mine"
    result = run("start", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def test_start_writes_every_stub_and_an_empty_progress_file(folder):
    assert sorted(p.name for p in folder.iterdir()) == sorted([e.file_name for e in learn.EXERCISES] + ["progress.json"])
    assert json.loads((folder / "progress.json").read_text()) == {"exercises": {}, "format": 1}
    assert (folder / "add.py").read_text() == learn.exercise("add").stub


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_folder_is_refused_and_nothing_is_written(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("start", value)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (f"Error: Invalid value for '[FOLDER]': {value!r} is not a folder "
                                              "path (leave it out for the default)")
    assert list(tmp_path.iterdir()) == []


def test_start_again_keeps_the_learners_files(folder):
    (folder / "add.py").write_text("# my work\n")
    result = run("start", str(folder))
    assert result.exit_code == 0
    assert f"wrote 0 exercise files into {folder} (kept your {len(learn.EXERCISES)} files)" in result.output
    assert (folder / "add.py").read_text() == "# my work\n"


def test_check_one_passing_exercise_records_it_and_says_what_is_next(folder):
    solve(folder, "add")
    result = run("check", "add", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["add (the add gate): PASSED (2 cases: random inputs, other shape)",
                                          f"next: chainrule learn check multiply --dir {folder}"]
    assert json.loads((folder / "progress.json").read_text())["exercises"] == {"add": {"checks": 1, "passed": True}}
    listing = run("list", "--dir", str(folder)).output.splitlines()
    assert listing[0].startswith(" 1. [passed] add") and listing[1].startswith(" 2. [ ]      multiply")


def test_check_a_wrong_answer_exits_1_with_the_feedback_and_records_the_failure(folder):
    solve(folder, "multiply", replace=("grad * y, grad * x", "grad * x, grad * y"))
    result = run("check", "multiply", "--dir", str(folder))
    assert result.exit_code == 1
    assert "multiply (the multiply gate): FAILED on case 'random inputs'" in result.output
    assert "hint: the multiply gate swaps" in result.output
    assert json.loads((folder / "progress.json").read_text())["exercises"]["multiply"] == {"checks": 1, "passed": False}


def test_check_all_counts_and_a_broken_file_is_named(folder):
    solve(folder, "add", "relu")
    (folder / "max.py").write_text("def broken(:\n")
    result = run("check", "--dir", str(folder))
    assert result.exit_code == 1
    assert "max (the max gate): NOT CHECKED\n  " in result.output
    assert "max.py could not be loaded (line 1): SyntaxError" in result.output
    assert f"2 of {len(learn.EXERCISES)} exercises pass" in result.output


def test_all_exercises_passing_points_to_train(folder):
    solve(folder, *SOLUTIONS)
    result = run("check", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert f"{len(learn.EXERCISES)} of {len(learn.EXERCISES)} exercises pass" in result.output
    assert f"now train a network of your own ops: chainrule learn train --dir {folder}" in result.output


def test_errors_are_one_line(tmp_path, folder):
    result = run("check", "--dir", str(tmp_path / "elsewhere"))
    assert result.exit_code == 1
    assert "is not a chainrule learn folder (no progress.json): run `chainrule learn start" in result.output
    assert "Error: no exercise called 'nope'" in run("check", "nope", "--dir", str(folder)).output
    (folder / "progress.json").write_text("[]")
    assert "is not a progress file of chainrule learn" in run("check", "add", "--dir", str(folder)).output


def test_train_needs_the_ops_it_uses_to_pass(folder):
    solve(folder, "affine", "relu")
    result = run("train", "--dir", str(folder))
    assert result.exit_code == 1
    assert "train --model mlp runs your affine, relu, softmax_cross_entropy; first make them pass" in result.output
    assert "softmax_cross_entropy (softmax with cross-entropy): to do" in result.output
    assert "affine (the affine layer)" not in result.output


@pytest.mark.parametrize("model, accuracy", [("mlp", 0.9), ("cnn", 0.85)])
def test_train_a_network_of_the_learners_own_ops(folder, model, accuracy):
    solve(folder, *SOLUTIONS)
    result = learn.train(folder, model=model, epochs=5)
    assert result.accuracy > accuracy and result.accuracy == result.reference_accuracy
    assert result.losses == pytest.approx(result.reference_losses, rel=1e-5)
    assert result.losses[-1] < result.losses[0] / 3
    assert result.largest_weight_difference < 1e-5
    text = str(result)
    assert f"test accuracy with your ops: {result.accuracy:.1%}; with chainrule's: {result.accuracy:.1%}" in text


def test_the_feedback_quoted_in_docs_learn_md_is_what_check_prints(folder):
    page = (Path(__file__).resolve().parents[2] / "docs" / "learn.md").read_text(encoding="utf-8")
    solve(folder, "multiply", replace=("grad * y, grad * x", "grad * x, grad * y"))
    output = run("check", "multiply", "--dir", str(folder)).output
    assert output.strip() in page
