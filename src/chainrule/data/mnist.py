"""IDX-format image datasets: any pair of IDX files, MNIST and Fashion-MNIST.

MNIST and FashionMNIST look for their files (gzipped or raw) in ``root`` (default: the cache,
``cache_dir() / "datasets" / NAME``), verify them against known checksums, and download them
from the canonical mirrors when ``download=True``.
"""
import hashlib
import warnings
from pathlib import Path

from .dataset import ImageDataset
from .download import cache_dir, download_url
from .errors import DataError
from .idx import GZIP_MAGIC, read_idx, read_idx_pair


class IDXDataset(ImageDataset):
    """Images and labels from two IDX files, e.g. any MNIST-format data.

    Items are ``(image, label)``: float32 (1, H, W) images scaled to [0, 1] (uint8 pixels / 255;
    float pixels are kept as they are) and int labels. Arrays: ``data`` (N, H, W) as stored,
    ``targets`` (N,) int64. Bad or mismatched files raise ``DataError``.
    """

    def __init__(self, images_path, labels_path, transform=None):
        images, labels = read_idx_pair(images_path, labels_path)
        super().__init__(images, labels, scale=255 if images.dtype.kind == "u" else 1, transform=transform)


def _md5(path):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class MNIST(ImageDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28.

    ``root``: the directory holding the four files (``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
    raw or with ``.gz``; torchvision's ``root/MNIST/raw`` layout also works); default
    ``cache_dir()/datasets/mnist``. The decompressed content must match the SHA-256 sums below
    (mirrors' gzip files differ byte for byte, their content does not). ``download=True``
    fetches missing files from ``mirrors``. Items and arrays as in ``IDXDataset``.
    """

    name = "mnist"
    torchvision_name = "MNIST"
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
    raw_sha256 = {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }
    gz_md5 = {}  # MD5 of the published .gz files, where only those are known
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    splits = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000),
              False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000)}

    def __init__(self, root=None, train=True, download=False, transform=None):
        self.root = Path(root) if root is not None else self.default_root()
        self.train = bool(train)
        images_name, labels_name, count = self.splits[self.train]
        found = {name: self._find(name) for name in (images_name, labels_name)}
        missing = [name for name, path in found.items() if path is None]
        if missing and not download:
            raise DataError(self._missing_message(missing))
        for name in missing:
            found[name] = self._download(name)
        for name, path in found.items():
            self._check_gzip_md5(path, name)
        images, labels = read_idx_pair(found[images_name], found[labels_name],
                                       self.raw_sha256.get(images_name), self.raw_sha256.get(labels_name),
                                       max_bytes=count * 28 * 28)  # no more than the real data: bombs stop early
        if images.shape != (count, 28, 28) or images.dtype.kind != "u":
            raise DataError(f"{found[images_name]}: expected {count} uint8 images of 28x28, "
                            f"found shape {images.shape} of {images.dtype}")
        super().__init__(images, labels, scale=255, transform=transform)

    @classmethod
    def default_root(cls):
        """``cache_dir()/datasets/NAME``: where ``download=True`` puts the files."""
        return cache_dir() / "datasets" / cls.name

    @classmethod
    def is_available(cls, root=None, train=True):
        """Whether both files of the split are in ``root`` (default: ``default_root()``); reads
        nothing, so corrupt files still raise when the data set is made."""
        root = Path(root) if root is not None else cls.default_root()
        return all(cls._find_in(root, name) is not None for name in cls.splits[bool(train)][:2])

    def _find(self, name):
        return self._find_in(self.root, name)

    @classmethod
    def _find_in(cls, root, name):
        for directory in (root, root / cls.torchvision_name / "raw"):
            for candidate in (directory / name, directory / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        return None

    def _missing_message(self, missing):
        split = "training" if self.train else "test"
        files = " and ".join(f"{name}.gz" for name in missing)
        return (f"{type(self).__name__} {split} files not found in {self.root}: put {files} "
                f"(gzipped or decompressed) there, from {self.mirrors[0]}, or pass download=True")

    def _check_gzip_md5(self, path, name):
        """Compare a .gz file with its published MD5 (where that is all that is published)."""
        expected = self.gz_md5.get(name)
        if expected is None:
            return
        with open(path, "rb") as file:
            if file.read(2) != GZIP_MAGIC:
                warnings.warn(f"{path}: cannot verify a decompressed {type(self).__name__} file "
                              f"(only the .gz files' MD5 sums are published); keep the .gz files",
                              stacklevel=3)
                return
        actual = _md5(path)
        if actual != expected:
            raise DataError(f"{path}: MD5 is {actual}, expected the published {expected} "
                            f"(the file is corrupt or not the expected one)")

    def _verify_download(self, path, name):
        self._check_gzip_md5(path, name)
        read_idx(path, self.raw_sha256.get(name))

    def _download_dir(self):
        """Where ``download=True`` puts missing files."""
        return self.root

    def _download(self, name):
        directory = self._download_dir()
        directory.mkdir(parents=True, exist_ok=True)
        destination = directory / f"{name}.gz"
        failures = []
        for mirror in self.mirrors:
            url = f"{mirror}{name}.gz"
            try:
                download_url(url, destination, verify=lambda path: self._verify_download(path, name))
                return destination
            except (DataError, OSError) as exc:  # URLError is an OSError
                failures.append(f"{url}: {exc}")
        raise DataError(f"could not download {name}.gz ({'; '.join(failures)}); put the file in "
                        f"{directory} yourself (gzipped or decompressed)")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 60,000 + 10,000 grayscale 28x28 images of 10 clothing classes.

    Same files, layout and API as ``MNIST`` (default root ``cache_dir()/datasets/fashion-mnist``).
    Zalando publishes MD5 sums of the .gz files only, so .gz files are verified against those
    and decompressed files (structure and shape still checked) with a warning.
    """

    name = "fashion-mnist"
    torchvision_name = "FashionMNIST"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    raw_sha256 = {}
    gz_md5 = {  # from github.com/zalandoresearch/fashion-mnist (README, "Get the Data")
        "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
