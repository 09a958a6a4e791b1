"""Run the atheris harness (atheris_expression.py) for a bounded number of inputs, where atheris
installs."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule

pytest.importorskip("atheris")
HARNESS = Path(__file__).with_name("atheris_expression.py")
RUNS = 20000
SEEDS = ["(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)", "max(x, y) - min(x, 2.5e3)",
         "-x ** 2 + relu(x) * abs(y) / exp(log(sqrt(z)))", "tanh(x.real[0])"]


def test_atheris_finds_no_escaping_exception(tmp_path):
    corpus = tmp_path / "corpus"  # valid and rejected expressions to start from
    corpus.mkdir()
    for index, text in enumerate(SEEDS):
        (corpus / f"seed{index}").write_bytes(text.encode())
    source_dir = str(Path(chainrule.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source_dir, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, str(HARNESS), f"-atheris_runs={RUNS}", "-max_len=600", str(corpus)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,  # crash files go there
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Done {RUNS} " in result.stderr
