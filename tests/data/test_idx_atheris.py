"""Run the atheris harness (atheris_idx.py) for a bounded number of inputs, where atheris installs."""
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("atheris")


def test_atheris_finds_no_escaping_exception(run_atheris, idx_bytes):
    arrays = [np.arange(12, dtype=np.uint8).reshape(3, 2, 2), np.arange(5, dtype=np.int16), np.eye(2)]
    seeds = [idx_bytes(a, compress=compress) for a in arrays for compress in (False, True)]  # raw and gzipped
    run_atheris(Path(__file__).with_name("atheris_idx.py"), seeds, runs=20000, max_len=1024)
