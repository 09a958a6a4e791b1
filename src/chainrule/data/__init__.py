"""Data: datasets, a vectorized and resumable DataLoader, hardened IDX reading, MNIST,
Fashion-MNIST and the embedded digits set. See docs/data.md.

    from chainrule.data import MNIST, DataLoader
    loader = DataLoader(MNIST("data/mnist"), batch_size=64, shuffle=True)
    for images, labels in loader:  # float32 (64, 1, 28, 28), int64 (64,)
        ...
"""
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, ImageDataset, Subset, TensorDataset, collate, random_split
from .digits import Digits
from .download import cache_dir, download_url
from .errors import DataError
from .idx import MAX_IDX_BYTES, read_idx, read_idx_pair
from .mnist import MNIST, FashionMNIST, IDXDataset

__all__ = [
    "MAX_IDX_BYTES",
    "MNIST",
    "ConcatDataset",
    "DataError",
    "DataLoader",
    "Dataset",
    "Digits",
    "FashionMNIST",
    "IDXDataset",
    "ImageDataset",
    "Subset",
    "TensorDataset",
    "cache_dir",
    "collate",
    "download_url",
    "read_idx",
    "random_split",
    "read_idx_pair",
]
