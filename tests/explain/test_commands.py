import importlib
import os
import shutil
import xml.etree.ElementTree as ET

import click
import numpy as np
import pytest
from click.testing import CliRunner

from chainrule.explain.commands import COMMANDS, _enlarged


@pytest.fixture
def cli():
    @click.group()
    def group():
        pass

    for command in COMMANDS:
        group.add_command(command)
    return group


def run(cli, *args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_explain_expression_with_values_after_set(cli):
    result = run(cli, "explain", "(x + y) * z", "--set", "x=-2", "y=5", "z=-4")
    assert result.exit_code == 0, result.output
    assert "  x + y                = 3" in result.output.splitlines()
    assert "  f     = (x + y) * z  = -12" in result.output.splitlines()
    assert "df/dx = -4" in result.output and "df/dz = 3" in result.output


def test_expression_starting_with_minus_after_double_dash(cli):
    result = run(cli, "explain", "--", "-x * y", "--set", "x=1", "y=2")
    assert result.exit_code == 0, result.output
    assert "df/dx = -2" in result.output and "df/dy = -1" in result.output


def test_explain_comma_separated_values_and_draw(cli, tmp_path, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "dot" else real_which(name))
    svg = tmp_path / "f.svg"
    result = run(cli, "explain", "sigmoid(w*x + b)", "--set", "w=2,x=-1,b=3", "--draw", str(svg))
    assert result.exit_code == 0, result.output
    assert f"wrote {svg}" in result.output
    ET.parse(svg)
    result = run(cli, "explain", "x * x", "--set", "x=3", "--draw", str(tmp_path / "f.png"))
    assert "dot -Tpng" in result.output and (tmp_path / "f.dot").exists()


@pytest.mark.parametrize("args, message", [
    (["explain", "x.__class__", "--set", "x=1"], "attribute access not allowed"),
    (["explain", "os(x)", "--set", "x=1"], "unknown function 'os'"),
    (["explain", "x + y", "--set", "x=1"], "no value for 'y'"),
    (["explain", "x + 1", "--set", "x=one"], "must be a number"),
    (["explain", "x + 1", "--set", "x"], "expected name=value"),
    (["explain"], "give an EXPRESSION or --example"),
    (["explain", "x", "--example", "circuit"], "one of them"),
    (["explain", "x", "--set", "x=1", "--draw", "out.jpg"], "must end in .svg, .png or .dot"),
])
def test_explain_errors_are_clear(cli, args, message):
    result = run(cli, *args)
    assert result.exit_code != 0
    assert message in result.output


@pytest.mark.parametrize("name, numbers", [
    ("circuit", ["f = -12", "df/dx = -4", "df/dz = 3"]),
    ("neuron", ["f = 0.7310585786", "df/dx = [0.3932238665, -0.5898357997]",
                "df/dw = [-0.1966119332, -0.3932238665, 0.1966119332]"]),
    ("staged", ["f = 1.5456448841", "df/dx = 2.0595697956", "df/dy = 1.5922327515"]),
])
def test_explain_examples_print_the_math_doc_numbers(cli, name, numbers):
    result = run(cli, "explain", "--example", name)
    assert result.exit_code == 0
    for text in numbers:
        assert text in result.output


def test_explain_digits_option(cli):
    result = run(cli, "explain", "(x + y) * z", "--set", "x=-2.123456", "y=5", "z=-4", "--digits", "3")
    assert result.exit_code == 0, result.output
    assert "  x     input          = -2.12" in result.output.splitlines()
    assert "  df/dz = 2.88" in result.output.splitlines()
    assert run(cli, "explain", "x", "--set", "x=1", "--digits", "0").exit_code != 0


def test_gradcheck_command_on_a_zoo_model(cli):
    result = run(cli, "gradcheck", "--model", "mlp", "--hidden", "8", "--batch", "3")
    assert result.exit_code == 0, result.output
    assert "1.weight" in result.output and "result: PASS" in result.output


def test_doctor_command_on_digits(cli):
    result = run(cli, "doctor", "--model", "mlp", "--hidden", "16", "--lr", "0.05", "--batch-size", "32")
    assert "initial loss" in result.output and "overfit" in result.output
    assert "update/weight ratio" in result.output and result.output.count("PASS") == 5
    assert result.exit_code == 0 and "result: PASS" in result.output


def test_unknown_model_is_a_clear_error(cli):
    result = run(cli, "gradcheck", "--model", "nope")
    assert result.exit_code == 1 and "unknown --model 'nope'" in result.output


@pytest.mark.parametrize("command", [
    ("gradcheck", "--model", "lenet5", "--batch", "2"),
    ("gradcheck", "--model", "cnn_bn", "--batch", "2"),
    ("doctor", "--model", "lenet5", "--batch-size", "16"),
])
def test_cnn_models_check_the_digits_enlarged_to_28x28(cli, command):
    result = run(cli, *command)
    assert ("model '%s' takes 28x28 images: the 8x8 digits are scaled up 3x and zero-padded to 28x28"
            % command[2]) in result.output
    if command[0] == "doctor":
        assert "initial loss" in result.output and "overfit" in result.output
    else:
        assert "0.weight" in result.output and result.exit_code == 0 and "result: PASS" in result.output


def test_digits_enlarged_to_28x28_keep_their_pixels():
    image = np.arange(1, 65, dtype=np.float32).reshape(1, 8, 8)
    big = _enlarged(image, (1, 28, 28))
    assert big.shape == (1, 28, 28) and big.dtype == np.float32
    np.testing.assert_array_equal(big[0, 2:26:3, 2:26:3], image[0])
    np.testing.assert_array_equal(big[0, 2:5, 2:5], np.ones((3, 3)))  # pixel (0, 0) became a 3x3 block
    assert big.sum() == 9 * image.sum()  # so the 2-pixel border is zeros


def test_model_that_cannot_take_the_images_is_a_clear_error(cli, monkeypatch):
    from chainrule import models, nn

    monkeypatch.setitem(models.MODELS, "wide", lambda num_classes=10: nn.Sequential(nn.Flatten(), nn.Linear(1000, num_classes)))
    result = run(cli, "gradcheck", "--model", "wide", "--dataset", "digits")
    assert result.exit_code == 1
    assert "model 'wide' cannot take images of shape (1, 8, 8)" in result.output
    assert "Traceback" not in result.output and "28x28" not in result.output


@pytest.mark.parametrize("expression, values, gradients", [
    ("-x * y", "x=1,y=2", ["df/dx = -2", "df/dy = -1"]),
    ("-(x + y)", "x=1,y=2", ["df/dx = -1", "df/dy = -1"]),
    ("-x*h", "x=1,h=2", ["df/dx = -2", "df/dh = -1"]),  # "h" is not -h (help)
])
def test_an_expression_starting_with_minus_needs_no_double_dash(cli, expression, values, gradients):
    result = run(cli, "explain", expression, "--set", values)
    assert result.exit_code == 0, result.output
    for text in gradients:
        assert text in result.output


def test_an_option_shaped_unknown_option_is_still_an_error(cli):
    result = run(cli, "explain", "--bogus", "x", "--set", "x=1")
    assert result.exit_code == 2 and "No such option '--bogus'" in result.output


@pytest.mark.parametrize("path, message", [
    ("c.pdf", "--draw: 'c.pdf' must end in .svg, .png or .dot"),
    ("{tmp}/missing/c.svg", "the folder {tmp}/missing does not exist"),
])
def test_a_bad_draw_path_is_refused_before_the_trace(cli, tmp_path, path, message):
    result = run(cli, "explain", "x * y", "--set", "x=1,y=2", "--draw", path.format(tmp=tmp_path))
    assert result.exit_code == 2
    assert message.format(tmp=tmp_path) in result.output and "df/dx" not in result.output


def test_a_draw_path_that_cannot_be_written_is_one_error_line(cli, tmp_path):
    (tmp_path / "taken.svg").mkdir()
    result = run(cli, "explain", "x * y", "--set", "x=1,y=2", "--draw", str(tmp_path / "taken.svg"))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"Error: --draw {tmp_path / 'taken.svg'}: cannot write it (Is a directory)"


HUGE = "**".join(["x"] * 167)  # 499 characters: Graphviz ran for more than a minute on it


def test_drawing_a_huge_expression_is_one_error_line_and_draws_nothing(cli, tmp_path):
    path = tmp_path / "huge.svg"
    result = run(cli, "explain", HUGE, "x=1", "--draw", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.splitlines()[-1] == (f"Error: --draw {path}: the graph has 168 nodes, more "
                                              "than the 100 that are drawn; nothing was drawn")
    assert os.listdir(tmp_path) == []


@pytest.fixture
def slow_graphviz(tmp_path, monkeypatch):
    """A ``dot`` on PATH that never finishes, and a 1 s Graphviz timeout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dot").write_text("#!/bin/sh\nexec sleep 60\n")
    (bin_dir / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(importlib.import_module("chainrule.explain.draw"), "GRAPHVIZ_TIMEOUT_S", 1)


def test_graphviz_too_slow_for_an_svg_gives_the_builtin_drawing_with_a_warning(cli, slow_graphviz, tmp_path,
                                                                              monkeypatch):
    path = tmp_path / "slow.svg"
    result = CliRunner().invoke(cli, ["explain", "x * y", "x=1", "y=2", "--draw", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ("draw: Graphviz dot did not finish within 1 s on this graph of 4 nodes; "
                             "drew it with the built-in renderer\n")
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "dot" else real_which(name))
    assert run(cli, "explain", "x * y", "x=1", "y=2", "--draw", str(tmp_path / "builtin.svg")).exit_code == 0
    assert path.read_bytes() == (tmp_path / "builtin.svg").read_bytes()


def test_graphviz_too_slow_for_a_png_is_one_error_line(cli, slow_graphviz, tmp_path):
    path = tmp_path / "slow.png"
    result = run(cli, "explain", "x * y", "x=1", "y=2", "--draw", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.splitlines()[-1] == f"Error: --draw {path}: Graphviz dot did not finish within 1 s"
    assert not path.exists()


@pytest.mark.parametrize("model, line", [
    ("mlp", "with sgd lr 0.1, batches of 32"),
    ("nielsen", "with sgd lr 3, batches of 10"),
])
def test_doctor_passes_the_recipes_chainrule_train_uses(cli, model, line):
    result = run(cli, "doctor", "--model", model)
    assert result.output.splitlines()[0] == line
    assert result.exit_code == 0 and "result: PASS" in result.output, result.output


def test_doctor_takes_every_optimizer_of_train_and_an_expected_loss(cli):
    result = run(cli, "doctor", "--model", "nielsen", "--optimizer", "adam", "--lr", "0.01",
                 "--expected-loss", "1.3")
    assert result.output.splitlines()[0] == "with adam lr 0.01, batches of 10"
    assert "initial loss" in result.output and "expected = 1.3000" in result.output


def test_gradcheck_batch_size_is_named_as_elsewhere(cli):
    result = run(cli, "gradcheck", "--model", "mlp", "--hidden", "8", "--batch-size", "2")
    assert result.exit_code == 0 and "result: PASS" in result.output
