"""Data: datasets, a vectorized and resumable DataLoader, hardened IDX reading, MNIST,
Fashion-MNIST and the embedded digits set. See docs/data.md.

    from chainrule.data import MNIST, DataLoader
    loader = DataLoader(MNIST("data/mnist"), batch_size=64, shuffle=True)
    for images, labels in loader:  # float32 (64, 1, 28, 28), int64 (64,)
        ...
"""
from .collate import default_collate
from .dataloader import DataLoader
from .dataset import (
    ConcatDataset, Dataset, ImageDataset, IterableDataset, Subset, TensorDataset, collate, random_split,
)
from .digits import Digits
from .download import cache_dir, download_url
from .errors import DataError
from .idx import MAX_IDX_BYTES, read_idx, read_idx_pair
from .mnist import MNIST, FashionMNIST, IDXDataset
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
)
from .workers import WorkerInfo, get_worker_info

__all__ = [
    "MAX_IDX_BYTES",
    "MNIST",
    "BatchSampler",
    "ConcatDataset",
    "DataError",
    "DataLoader",
    "Dataset",
    "Digits",
    "FashionMNIST",
    "IDXDataset",
    "ImageDataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "cache_dir",
    "collate",
    "default_collate",
    "download_url",
    "get_worker_info",
    "random_split",
    "read_idx",
    "read_idx_pair",
]
