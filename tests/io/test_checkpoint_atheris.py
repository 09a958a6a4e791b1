"""Run the atheris harness (atheris_checkpoint.py) for a bounded number of inputs, where atheris
installs."""
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import save_state

pytest.importorskip("atheris")


def test_atheris_finds_no_escaping_exception(run_atheris, tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    cr.save({"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(2, np.float64)},
            tmp_path / "weights.safetensors")
    save_state(tmp_path / "state.safetensors", {"step": 3, "betas": (0.9, 0.999), "flags": np.array([True])})
    seeds = [(tmp_path / name).read_bytes() for name in ("weights.safetensors", "state.safetensors")]
    seeds.append(safetensors_numpy.save({"w": np.ones((2, 2), np.int16)}, metadata={"format": "pt"}))  # no checksum
    run_atheris(Path(__file__).with_name("atheris_checkpoint.py"), seeds, runs=20000, max_len=1024)
