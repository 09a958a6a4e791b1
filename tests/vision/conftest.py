"""The data tests' fake MNIST files, shared here (one definition, in tests/data/conftest.py)."""
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_data_conftest", Path(__file__).parents[1] / "data" / "conftest.py")
_data = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_data)

idx_bytes, fake_mnist_test_split = _data.idx_bytes, _data.fake_mnist_test_split
