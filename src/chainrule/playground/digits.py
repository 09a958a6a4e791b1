"""The digits view's model: a small CNN that reads a drawn digit, trained once and then cached.

The data: real MNIST (28x28) when its four IDX files are in the data directory (the
``--data-dir`` option, else chainrule's data cache, ``MNIST.default_root()``), scikit-learn's
embedded 8x8 digits otherwise. The first start trains the CNN for a few seconds; the weights
are then saved with ``chainrule.save`` (safetensors: no pickle) under the cache directory
(``cache_dir()/playground``: ``$XDG_CACHE_HOME/chainrule/playground`` or
``~/.cache/chainrule/playground``) and later starts load them.

The page draws on a finer grid than the model reads where the data was made that way: the
8x8 digits are 32x32 bitmaps whose 4x4 blocks were counted (0..16), so the page sends 32x32
pixels and ``read`` counts its blocks the same way; MNIST's 28x28 is drawn as it is.

``DigitsModel.explain(pixels, target)`` is one forward and backward pass, run in float64:
the class probabilities, d(score of ``target``)/d(pixel) (the input gradient), and every
feature map with its gradient.
"""
import warnings

import numpy as np

from .. import nn, no_grad, optim
from ..autograd import grad
from ..data.digits import Digits
from ..data.mnist import MNIST
from ..io import CheckpointError, load, load_metadata, save
from ..nn import functional as F
from ..tensor import Tensor
from .messages import MessageError, json_number
from .seeding import seeded

BATCH, SEED = 32, 0


def _digits_cnn():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 2 * 2, 10))


def _mnist_cnn():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 7 * 7, 10))


# source -> model input size, drawing grid, CNN, training images used, epochs, learning rate
SOURCES = {
    "digits": {"size": 8, "draw": 32, "build": _digits_cnn, "train": None, "epochs": 6, "lr": 0.01},
    "mnist": {"size": 28, "draw": 28, "build": _mnist_cnn, "train": 4000, "epochs": 1, "lr": 0.005},
}
MAPS = (nn.ReLU, nn.MaxPool2d)  # the layers whose outputs the page shows as feature maps
VERSION = "1"  # bump when the models or their training change: old cache files are then ignored


def _arrays(source, data_dir):
    """(train x, train y, test x, test y): float32 images (N, 1, H, W) in [0, 1], int labels."""
    if source == "mnist":
        train, test = MNIST(data_dir, train=True), MNIST(data_dir, train=False)
        scale = 255
    else:
        train, test = Digits(train=True), Digits(train=False)
        scale = 16
    n = SOURCES[source]["train"] or len(train.data)
    x, xt = (d.astype(np.float32)[:, None] / scale for d in (train.data[:n], test.data[:2000]))
    return x, train.targets[:n], xt, test.targets[:2000]


def choose_source(data_dir=None):
    """("mnist", directory) when MNIST's files are in ``data_dir`` (default: chainrule's data
    cache), else ("digits", None). A ``data_dir`` given without them is an error."""
    if MNIST.is_available(data_dir) and MNIST.is_available(data_dir, train=False):
        return "mnist", data_dir if data_dir is not None else MNIST.default_root()
    if data_dir is not None:
        raise ValueError(f"{data_dir}: no MNIST files (train-images-idx3-ubyte[.gz] and the other three) there")
    return "digits", None


class DigitsModel:
    """The trained CNN of one source (see the module docstring); ``info`` is what the page
    needs to know about it."""

    def __init__(self, source, model, accuracy, cached, saved):
        spec = SOURCES[source]
        self.source, self.size, self.draw = source, spec["size"], spec["draw"]
        self.model = model.double()
        self.info = {"source": source, "size": self.size, "draw": self.draw,
                     "test_accuracy": accuracy, "cached": cached, "saved": saved}

    @classmethod
    def load_or_train(cls, cache, data_dir=None):
        """The model of ``choose_source(data_dir)``: from ``cache`` (a directory) when a valid
        file is there, else trained now and saved there."""
        source, directory = choose_source(data_dir)
        spec = SOURCES[source]
        path = cache / f"{source}-cnn-v{VERSION}.safetensors"
        with seeded(SEED):
            model = spec["build"]()
        if path.is_file():
            try:
                state, metadata = load(path, expected=model.state_dict()), load_metadata(path)
                model.load_state_dict(state)
                return cls(source, model, float(metadata["test_accuracy"]), cached=True, saved=True)
            except (CheckpointError, KeyError, ValueError):
                pass  # a damaged or foreign file: train again and replace it
        accuracy = _train(model, *_arrays(source, directory), spec)
        try:
            cache.mkdir(parents=True, exist_ok=True)
            save(model.state_dict(), path, metadata={"source": source, "test_accuracy": repr(accuracy)})
        except OSError as exc:  # a read-only home: serve the model all the same, and say so
            warnings.warn(f"chainrule playground: cannot cache the digits model in {cache}: {exc}", stacklevel=2)
            return cls(source, model, accuracy, cached=False, saved=False)
        return cls(source, model, accuracy, cached=False, saved=True)

    def read(self, message):
        """The drawing in ``message`` ({"pixels": draw*draw numbers in [0, 1], row by row}) as
        the model's (1, 1, size, size) float64 input; a bad drawing is a ``MessageError``."""
        pixels = message.get("pixels")
        count = self.draw * self.draw
        if not isinstance(pixels, list) or len(pixels) != count:
            raise MessageError(f"pixels must be a list of {count} numbers ({self.draw}x{self.draw}, row by row)")
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 1 for p in pixels):
            raise MessageError("every pixel must be a number from 0 to 1")
        image = np.asarray(pixels, dtype=np.float64).reshape(self.draw, self.draw)
        k = self.draw // self.size  # 4x4 blocks counted, as the 8x8 digits were made
        image = image.reshape(self.size, k, self.size, k).mean(axis=(1, 3))
        return image[None, None]

    def explain(self, image, target=None):
        """Probabilities, the input gradient of class ``target``'s score (default: the
        predicted class) and every feature map with its gradient, as JSON."""
        x = Tensor(image, requires_grad=True)
        maps, out, convs = [], x, 0
        for layer in self.model:
            out = layer(out)
            convs += isinstance(layer, nn.Conv2d)
            if isinstance(layer, MAPS):
                maps.append((f"conv{convs} + ReLU" if isinstance(layer, nn.ReLU) else f"pool{convs}", out))
        probs = np.asarray(F.softmax(out, dim=1))[0]
        target = int(probs.argmax()) if target is None else target
        grads = grad(out[0, target], [x] + [m for _, m in maps])
        return {
            "probs": json_number(probs), "prediction": int(probs.argmax()), "target": target,
            "input": json_number(image[0, 0]), "input_grad": json_number(grads[0][0, 0]),
            "layers": [{"name": name, "maps": json_number(m[0]), "grads": json_number(g[0])}
                       for (name, m), g in zip(maps, grads[1:])],
        }


def _train(model, x, y, xt, yt, spec):
    """Adam on mini-batches for ``spec["epochs"]`` epochs; returns the test accuracy."""
    optimizer = optim.Adam(model.parameters(), lr=spec["lr"])
    rng = np.random.default_rng(SEED)
    for _ in range(spec["epochs"]):
        order = rng.permutation(len(x))
        for start in range(0, len(x), BATCH):
            batch = order[start:start + BATCH]
            optimizer.zero_grad()
            F.cross_entropy(model(Tensor(x[batch])), Tensor(y[batch])).backward()
            optimizer.step()
    with no_grad():
        return float((np.asarray(model(Tensor(xt))).argmax(1) == yt).mean())
