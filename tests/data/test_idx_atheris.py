"""Run the atheris harness (atheris_idx.py) for a bounded number of inputs, where atheris installs."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule

pytest.importorskip("atheris")
HARNESS = Path(__file__).with_name("atheris_idx.py")
RUNS = 20000


def test_atheris_finds_no_escaping_exception(tmp_path, idx_bytes):
    corpus = tmp_path / "corpus"  # valid seeds, raw and gzipped, to start from
    corpus.mkdir()
    seeds = [np.arange(12, dtype=np.uint8).reshape(3, 2, 2), np.arange(5, dtype=np.int16), np.eye(2)]
    for index, array in enumerate(seeds):
        (corpus / f"raw{index}").write_bytes(idx_bytes(array))
        (corpus / f"gz{index}").write_bytes(idx_bytes(array, compress=True))
    source_dir = str(Path(chainrule.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source_dir, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, str(HARNESS), f"-atheris_runs={RUNS}", "-max_len=1024", str(corpus)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,  # crash files go there
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Done {RUNS} " in result.stderr
