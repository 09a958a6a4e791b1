"""A test-only, torch-backed stand-in for the parts of ``torchvision`` the test programs use.

PyPI's torchvision cannot be installed beside torch 2.13 here, so the PyTorch reference run of
tests/pytorch_programs imports this instead. It follows torchvision's documented contract:
``datasets.MNIST`` reads ``<root>/MNIST/raw``'s IDX files and yields ``(PIL image, int)``;
``transforms.ToTensor`` gives float32 (C, H, W) in [0, 1]; ``Normalize`` subtracts the mean and
divides by the std per channel; ``Compose`` chains.
"""
from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
