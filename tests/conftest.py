"""Shared fixtures for the whole test suite."""
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist_dir():
    """The real MNIST files (gzipped IDX) in ``../shared/data/mnist`` beside the repo; skip without."""
    path = REPO_ROOT.parent / "shared" / "data" / "mnist"
    if not (path / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip(f"real MNIST not found in {path}")
    return path
