from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mnist_dir():
    """Real MNIST beside the repo (``../shared/data/mnist``); skip the test when it is absent."""
    path = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist").resolve()
    if not (path / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST not found at {path}")
    return path
