"""Run the atheris harness (atheris_expression.py) for a bounded number of inputs, where atheris
installs."""
from pathlib import Path

import pytest

pytest.importorskip("atheris")
SEEDS = ["(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)", "max(x, y) - min(x, 2.5e3)",
         "-x ** 2 + relu(x) * abs(y) / exp(log(sqrt(z)))", "tanh(x.real[0])"]


def test_atheris_finds_no_escaping_exception(run_atheris):
    run_atheris(Path(__file__).with_name("atheris_expression.py"), [s.encode() for s in SEEDS],
                runs=20000, max_len=600)
