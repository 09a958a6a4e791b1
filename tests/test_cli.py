"""The ``chainrule`` command: entry points, the missing-extra message, subcommand discovery,
and the default training run."""
import os
import re
import subprocess
import sys
import types

import pytest

from chainrule.cli import CLI_EXTRA_MESSAGE, build_cli

click = pytest.importorskip("click")
click_testing = pytest.importorskip("click.testing")


def test_python_m_chainrule_lists_the_commands(subprocess_env):
    result = subprocess.run([sys.executable, "-m", "chainrule", "--help"], env=subprocess_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    commands = re.findall(r"^  (\w+)", result.stdout.split("Commands:")[1], flags=re.M)
    assert {"train", "eval", "predict", "summary"} <= set(commands)


def test_without_the_cli_extra_one_sentence_names_it(subprocess_env):
    code = "import sys; sys.modules['click'] = None; from chainrule.cli import main; main(['train'])"
    result = subprocess.run([sys.executable, "-c", code], env=subprocess_env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == CLI_EXTRA_MESSAGE
    assert "pip install 'chainrule[cli]'" in CLI_EXTRA_MESSAGE


def test_explain_commands_are_registered_when_present(monkeypatch):
    fake = types.ModuleType("chainrule.explain.commands")
    fake.COMMANDS = [click.Command("fake-explain", help="A stand-in.")]
    monkeypatch.setitem(sys.modules, "chainrule.explain.commands", fake)
    assert "fake-explain" in build_cli().commands


def test_train_with_no_arguments_reaches_95_percent_on_digits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = click_testing.CliRunner().invoke(build_cli(), ["train"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    accuracy = float(re.search(r"test accuracy (\d+\.\d+)% after 20 epochs", result.output)[1])
    assert accuracy >= 95.0
    (run_dir,) = os.listdir(tmp_path / "runs")
    assert re.fullmatch(r"\d{8}-\d{6}", run_dir)
    assert f"run directory: {os.path.join('runs', run_dir)}" in result.output
