"""torchvision-style datasets: ``torchvision.datasets`` -> ``chainrule.vision.datasets``.

``MNIST`` and ``FashionMNIST`` take torchvision's arguments and give torchvision's items: a
PIL image (mode 'L', 28x28) and an int label, each through ``transform`` /
``target_transform`` when given. Files live in torchvision's layout, ``root/MNIST/raw``
(``root/FashionMNIST/raw``), gzipped or not, and are found, verified and downloaded by
``chainrule.data.MNIST`` (see docs/data.md).

    train = MNIST("data", train=True, download=True, transform=ToTensor())
    image, label = train[0]  # float32 Tensor (1, 28, 28) in [0, 1], 5
"""
import os
from pathlib import Path

import numpy as np

from ..data import mnist as data_mnist
from ..data.dataset import Dataset, _tensor
from ..data.errors import DataError
from .transforms import pil_image_module


class MNIST(data_mnist.MNIST):
    """MNIST as ``torchvision.datasets.MNIST(root, train=True, transform=None,
    target_transform=None, download=False)``.

    ``ds[i]`` is ``(image, label)``: a PIL image (mode 'L', 28x28) and an int, before the
    transforms. ``data`` is a uint8 Tensor (N, 28, 28), ``targets`` an int64 Tensor (N,),
    ``classes`` the class names, ``class_to_idx`` their indices. Files are read from ``root``,
    ``root/MNIST/raw`` (where ``download=True`` puts them). Needs Pillow (the ``cli`` extra).
    """

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        pil_image_module()  # the install hint before any file work
        super().__init__(root, train=train, download=download)
        self.data, self.targets = _tensor(self.data), _tensor(self.targets)
        self.transform, self.target_transform = transform, target_transform

    @property
    def raw_folder(self):
        """``root/MNIST/raw``: torchvision's folder for the files."""
        return self.root / self.torchvision_name / "raw"

    @property
    def class_to_idx(self):
        return {name: index for index, name in enumerate(self.classes)}

    def _download_dir(self):
        return self.raw_folder

    def _missing_message(self, missing):
        return f"{super()._missing_message(missing)} (torchvision's folder {self.raw_folder} works too)"

    def __getitem__(self, index):
        image = pil_image_module().fromarray(np.asarray(self.data._data[index]))  # uint8 (28, 28): mode 'L'
        target = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    get_batch = Dataset.get_batch  # item by item, through the transforms

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {split}")


class FashionMNIST(MNIST, data_mnist.FashionMNIST):
    """Fashion-MNIST as ``torchvision.datasets.FashionMNIST`` (same arguments and items as
    ``MNIST``; files in ``root/FashionMNIST/raw``, verified as ``chainrule.data.FashionMNIST``'s)."""


IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def default_loader(path):
    """The image at ``path`` as an RGB PIL image (read at once, the file closed)."""
    with open(path, "rb") as file:
        image = pil_image_module().open(file)
        return image.convert("RGB")


class ImageFolder(Dataset):
    """Images sorted into one folder per class, as ``torchvision.datasets.ImageFolder``:
    ``root/dog/1.png``, ``root/cat/x.jpg``, ...

    ``classes`` are the sorted folder names, ``class_to_idx`` their indices; ``samples``
    (also ``imgs``) the sorted ``(path, class_index)`` pairs of the files with an image
    extension (or those ``is_valid_file(path)`` accepts), ``targets`` their class indices.
    ``ds[i]`` is ``(loader(path), class_index)``, through ``transform`` and
    ``target_transform``; ``loader`` defaults to ``default_loader`` (RGB PIL images). Decoding
    happens in ``__getitem__``, so ``DataLoader(num_workers=N)`` decodes N images at once.
    """

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader,
                 is_valid_file=None, allow_empty=False):
        self.root = Path(os.path.expanduser(root))
        self.transform, self.target_transform, self.loader = transform, target_transform, loader
        if not self.root.is_dir():
            raise DataError(f"ImageFolder: {self.root} is not a directory")
        self.classes = sorted(entry.name for entry in os.scandir(self.root) if entry.is_dir())
        if not self.classes:
            raise DataError(f"ImageFolder: couldn't find any class folder in {self.root}")
        self.class_to_idx = {name: index for index, name in enumerate(self.classes)}
        valid = is_valid_file or (lambda path: path.lower().endswith(IMG_EXTENSIONS))
        self.samples = []
        for name in self.classes:
            found = [(os.path.join(folder, file), self.class_to_idx[name])
                     for folder, _, files in sorted(os.walk(self.root / name, followlinks=True))
                     for file in sorted(files) if valid(os.path.join(folder, file))]
            if not found and not allow_empty:
                raise DataError(f"ImageFolder: found no valid file for the class {name} in {self.root / name} "
                                f"(extensions: {', '.join(IMG_EXTENSIONS)})")
            self.samples += found
        self.imgs = self.samples
        self.targets = [target for _, target in self.samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        image = self.loader(path)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target
