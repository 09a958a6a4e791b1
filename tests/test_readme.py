"""The README's Python examples run as written and print what the README says."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def run_block(code):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


def test_first_example_prints_the_worked_example():
    out = run_block(BLOCKS[0])
    assert out.splitlines()[-1] == "-12.0 -4.0 -4.0 3.0"
    lines = out.splitlines()  # the user's names, short formulas as names, 4 digits
    assert "  f     = (x + y) * z  = -12" in lines
    assert "    d(x + y) += df * z = 1 * (-4) = -4" in lines  # the chain rule as arithmetic
    assert ["  df/dx = -4", "  df/dy = -4", "  df/dz = 3"] == lines[-4:-1]


@pytest.mark.parametrize("index", range(1, len(BLOCKS)))
def test_other_examples_run(index):
    run_block(BLOCKS[index])
