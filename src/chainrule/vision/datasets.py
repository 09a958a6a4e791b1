"""torchvision-style datasets: ``torchvision.datasets`` -> ``chainrule.vision.datasets``.

``MNIST`` and ``FashionMNIST`` take torchvision's arguments and give torchvision's items: a
PIL image (mode 'L', 28x28) and an int label, each through ``transform`` /
``target_transform`` when given. Files live in torchvision's layout, ``root/MNIST/raw``
(``root/FashionMNIST/raw``), gzipped or not, and are found, verified and downloaded by
``chainrule.data.MNIST`` (see docs/data.md).

    train = MNIST("data", train=True, download=True, transform=ToTensor())
    image, label = train[0]  # float32 Tensor (1, 28, 28) in [0, 1], 5
"""
import numpy as np

from ..data import mnist as data_mnist
from ..data.dataset import Dataset, _tensor
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
