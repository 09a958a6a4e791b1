"""torchvision-style image transforms: ``torchvision.transforms`` -> ``chainrule.vision.transforms``.

Images are PIL images (Pillow, in the ``cli`` extra), NumPy arrays or Tensors. Tensor and
array images are (..., C, H, W) as in torchvision, except ``ToTensor``'s input: a PIL image
or an (H, W) / (H, W, C) array. The random transforms draw from chainrule's global
generator, so ``chainrule.manual_seed`` fixes them (torchvision draws from torch's).

    transform = Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])
    transform(pil_image)  # float32 Tensor (1, 28, 28)
"""
import numbers
import sys

import numpy as np

from .. import random as cr_random
from ..inplace import bump_version
from ..tensor import Tensor

PIL_HINT = "PIL images need Pillow: pip install 'chainrule[cli]' (or pip install pillow)"


def pil_image_module():
    """``PIL.Image``, or an ImportError with the install hint."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"chainrule.vision: {PIL_HINT}") from None
    return Image


def _is_pil(image):
    module = sys.modules.get("PIL.Image")  # a PIL image exists only once PIL is imported
    return module is not None and isinstance(module.Image, type) and isinstance(image, module.Image)


def _check_image(name, image):
    if not (_is_pil(image) or isinstance(image, (np.ndarray, Tensor))):
        raise TypeError(f"{name}: image should be a PIL Image, a NumPy array or a Tensor, got {type(image).__name__}")


def _as_array(image):
    return image._data if isinstance(image, Tensor) else np.asarray(image)


def _like(result, image):
    """``result`` (an array) as the kind of ``image``: a Tensor for a Tensor, else an array."""
    return Tensor._make(np.ascontiguousarray(result), False, None) if isinstance(image, Tensor) else result


def _size(image):
    """(height, width) of a PIL, array or Tensor image."""
    if _is_pil(image):
        width, height = image.size
        return height, width
    shape = _as_array(image).shape
    if len(shape) < 2:
        raise ValueError(f"expected an image of shape (..., H, W), got shape {shape}")
    return shape[-2], shape[-1]


def _pair(name, size):
    """``size`` (int or (h, w)) as an (h, w) pair of positive ints."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if not (isinstance(size, (tuple, list)) and len(size) == 2
            and all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in size)):
        raise ValueError(f"{name}: size must be a positive int or a pair (h, w) of them, got {size!r}")
    return int(size[0]), int(size[1])


class Compose:
    """Apply ``transforms`` (a list of callables) one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self):
        inner = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class ToTensor:
    """PIL image or (H, W) / (H, W, C) array -> Tensor (C, H, W), as torchvision's ``ToTensor``.

    uint8 pixels (PIL modes L, RGB, RGBA, P, ...; uint8 arrays) become float32 in [0, 1], divided by
    255; mode '1' is 0 or 1.0; other dtypes (mode 'I' int32, 'F' float32, float arrays) keep
    their values and dtype.
    """

    _PIL_DTYPES = {"I": np.int32, "I;16": np.int16, "I;16B": np.int16, "F": np.float32}

    def __call__(self, pic):
        if _is_pil(pic):
            array = np.array(pic, self._PIL_DTYPES.get(pic.mode, np.uint8), copy=True)
            if pic.mode == "1":
                array = 255 * array
            array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
        elif isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H, W) or (H, W, C), got shape {pic.shape}")
            array = pic[:, :, None] if pic.ndim == 2 else pic
        else:
            raise TypeError(f"ToTensor: pic should be a PIL Image or a NumPy array, got {type(pic).__name__}")
        array = np.ascontiguousarray(array.transpose(2, 0, 1))
        if array.dtype == np.uint8:
            array = array.astype(np.float32) / np.float32(255)
        return Tensor._make(array, False, None)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(image - mean[c]) / std[c]`` per channel of a float image (..., C, H, W), as torchvision's.

    ``mean`` and ``std`` are sequences of C numbers (or one number for every channel), cast to
    the image's dtype first. Returns a new Tensor (or array for an array); ``inplace=True``
    writes into the given one instead.
    """

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, bool(inplace)
        self._cast = {}  # dtype -> (mean, std) as (C, 1, 1) arrays, checked

    def _constants(self, dtype):
        if dtype not in self._cast:
            mean = np.asarray(self.mean, dtype=dtype).reshape(-1, 1, 1)
            std = np.asarray(self.std, dtype=dtype).reshape(-1, 1, 1)
            if (std == 0).any():
                raise ValueError(f"Normalize: std evaluated to zero after conversion to {dtype}, "
                                 f"leading to division by zero")
            self._cast[dtype] = mean, std
        return self._cast[dtype]

    def __call__(self, image):
        if not isinstance(image, (Tensor, np.ndarray)):
            raise TypeError(f"Normalize: image should be a Tensor, got {type(image).__name__}")
        array = _as_array(image)
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: input should be a float tensor, got {array.dtype} (apply ToTensor first)")
        if array.ndim < 3:
            raise ValueError(f"Normalize: expected a tensor image of shape (..., C, H, W), got shape {array.shape}")
        mean, std = self._constants(array.dtype)
        if len(mean) not in (1, array.shape[-3]) or len(std) not in (1, array.shape[-3]):
            raise ValueError(f"Normalize: {len(mean)} means and {len(std)} stds for an image of "
                             f"{array.shape[-3]} channels (shape {array.shape})")
        if not self.inplace:
            return _like((array - mean) / std, image)
        np.subtract(array, mean, out=array)
        np.divide(array, std, out=array)
        if isinstance(image, Tensor):
            bump_version(image)  # a graph that saved it sees the change
        return image

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function: ``Lambda(lambda x: x.view(-1))``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, image):
        return self.lambd(image)

    def __repr__(self):
        return "Lambda()"


class Resize:
    """Resize a PIL image (Pillow's resampling, as torchvision does for PIL images).

    ``size`` (h, w), or an int: the smaller edge becomes ``size``, the other keeps the aspect
    ratio. ``interpolation``: a ``PIL.Image.Resampling`` value (default bilinear). Tensor
    images are not resized (torchvision's antialiased tensor kernel differs from Pillow's):
    put ``Resize`` before ``ToTensor``.
    """

    def __init__(self, size, interpolation=None):
        self.size = size if isinstance(size, numbers.Integral) and not isinstance(size, bool) else _pair("Resize", size)
        if isinstance(self.size, int) and self.size <= 0:
            raise ValueError(f"Resize: size must be positive, got {size!r}")
        self.interpolation = interpolation

    def _output_size(self, height, width):
        if not isinstance(self.size, int):
            return self.size
        short, long = sorted((height, width))
        new_short, new_long = self.size, int(self.size * long / short)
        return (new_short, new_long) if height <= width else (new_long, new_short)

    def __call__(self, image):
        if not _is_pil(image):
            raise TypeError(f"Resize: chainrule resizes PIL images only, got {type(image).__name__}; "
                            f"put Resize before ToTensor")
        height, width = self._output_size(*_size(image))
        resample = self.interpolation if self.interpolation is not None else pil_image_module().Resampling.BILINEAR
        return image.resize((width, height), resample)

    def __repr__(self):
        return f"Resize(size={self.size})"


class Pad:
    """Pad the borders of an image: PIL image, or array/Tensor (..., H, W).

    ``padding``: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
    ``padding_mode``: 'constant' (with ``fill``), 'edge', 'reflect' or 'symmetric', as torchvision's.
    """

    MODES = ("constant", "edge", "reflect", "symmetric")

    def __init__(self, padding, fill=0, padding_mode="constant"):
        if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
            padding = (padding,)
        if not (isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4)
                and all(isinstance(p, numbers.Integral) and not isinstance(p, bool) and p >= 0 for p in padding)):
            raise ValueError(f"Pad: padding must be a non-negative int or a sequence of 1, 2 or 4 of them, got {padding!r}")
        if padding_mode not in self.MODES:
            raise ValueError(f"Pad: padding_mode must be one of {', '.join(self.MODES)}, got {padding_mode!r}")
        left, top, right, bottom = {1: padding * 4, 2: tuple(padding) * 2, 4: tuple(padding)}[len(padding)]
        self.padding, self.fill, self.padding_mode = (left, top, right, bottom), fill, padding_mode

    def __call__(self, image):
        _check_image("Pad", image)
        left, top, right, bottom = self.padding
        array = np.asarray(image) if _is_pil(image) else _as_array(image)
        if _is_pil(image):  # (H, W) or (H, W, C)
            widths = [(top, bottom), (left, right)] + [(0, 0)] * (array.ndim - 2)
        else:  # (..., H, W)
            widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
        extra = {"constant_values": self.fill} if self.padding_mode == "constant" else {}
        padded = np.pad(array, widths, mode=self.padding_mode, **extra)
        if not _is_pil(image):
            return _like(padded, image)
        result = pil_image_module().fromarray(padded)  # the mode follows the dtype and channels
        if image.mode == "P":
            result.putpalette(image.getpalette())
        return result

    def __repr__(self):
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


def _crop(image, top, left, height, width):
    if _is_pil(image):
        return image.crop((left, top, left + width, top + height))
    return _like(_as_array(image)[..., top:top + height, left:left + width], image)


class CenterCrop:
    """Crop the center ``size`` (int or (h, w)) of an image; the image must be at least that large."""

    def __init__(self, size):
        self.size = _pair("CenterCrop", size)

    def __call__(self, image):
        _check_image("CenterCrop", image)
        (height, width), (th, tw) = _size(image), self.size
        if th > height or tw > width:
            raise ValueError(f"CenterCrop: crop size {self.size} is larger than the image ({height}, {width})")
        return _crop(image, int(round((height - th) / 2.0)), int(round((width - tw) / 2.0)), th, tw)

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


class RandomCrop:
    """Crop a random ``size`` (int or (h, w)) window, after an optional ``Pad(padding, fill,
    padding_mode)``; ``pad_if_needed`` pads an image smaller than ``size`` first, as torchvision's."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = _pair("RandomCrop", size)
        self.pad = Pad(padding, fill, padding_mode) if padding is not None else None
        self.pad_if_needed, self.fill, self.padding_mode = bool(pad_if_needed), fill, padding_mode

    def __call__(self, image):
        _check_image("RandomCrop", image)
        if self.pad is not None:
            image = self.pad(image)
        (height, width), (th, tw) = _size(image), self.size
        if self.pad_if_needed and (height < th or width < tw):
            dw, dh = max(tw - width, 0), max(th - height, 0)
            image = Pad((dw, dh), self.fill, self.padding_mode)(image)
            height, width = _size(image)
        if th > height or tw > width:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the image ({height}, {width})")
        generator = cr_random.default_generator()
        top = int(generator.integers(0, height - th + 1))
        left = int(generator.integers(0, width - tw + 1))
        return _crop(image, top, left, th, tw)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={None if self.pad is None else self.pad.padding})"


class RandomHorizontalFlip:
    """Mirror an image left-right with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = float(p)

    def __call__(self, image):
        _check_image("RandomHorizontalFlip", image)
        if cr_random.default_generator().random() >= self.p:
            return image
        if _is_pil(image):
            return image.transpose(pil_image_module().Transpose.FLIP_LEFT_RIGHT)
        return _like(_as_array(image)[..., ::-1], image)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


def _pil_only(name, image):
    if not _is_pil(image):
        raise TypeError(f"{name}: chainrule applies it to PIL images only, got {type(image).__name__}; "
                        f"put it before ToTensor")


class RandomRotation:
    """Rotate a PIL image by an angle drawn uniformly from ``degrees`` (d: (-d, d); or (min, max)),
    with Pillow's ``rotate`` as torchvision does for PIL images (nearest pixels by default)."""

    def __init__(self, degrees, interpolation=None, expand=False, center=None, fill=0):
        if isinstance(degrees, numbers.Real) and not isinstance(degrees, bool):
            if degrees < 0:
                raise ValueError(f"RandomRotation: if degrees is a single number, it must be non-negative, got {degrees}")
            degrees = (-degrees, degrees)
        if not (isinstance(degrees, (tuple, list)) and len(degrees) == 2 and degrees[0] <= degrees[1]):
            raise ValueError(f"RandomRotation: degrees must be a number or a pair (min, max), got {degrees!r}")
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.interpolation, self.expand, self.center, self.fill = interpolation, bool(expand), center, fill

    def __call__(self, image):
        _pil_only("RandomRotation", image)
        angle = float(cr_random.default_generator().uniform(*self.degrees))
        resample = self.interpolation if self.interpolation is not None else pil_image_module().Resampling.NEAREST
        return image.rotate(angle, resample=resample, expand=self.expand, center=self.center, fillcolor=self.fill)

    def __repr__(self):
        return f"RandomRotation(degrees={self.degrees})"


class Grayscale:
    """A PIL image in gray (Pillow's ``convert('L')``), with 1 or 3 equal channels."""

    def __init__(self, num_output_channels=1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels should be either 1 or 3, got {num_output_channels!r}")
        self.num_output_channels = num_output_channels

    def __call__(self, image):
        _pil_only("Grayscale", image)
        gray = image.convert("L")
        return gray if self.num_output_channels == 1 else gray.convert("RGB")

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class ToPILImage:
    """Tensor (C, H, W) or (H, W), or array (H, W) / (H, W, C), -> PIL image, as torchvision's:
    float values are multiplied by 255 and truncated to uint8; 1, 2, 3 or 4 uint8 channels give
    modes L, LA, RGB, RGBA."""

    _MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}

    def __call__(self, pic):
        if isinstance(pic, Tensor):
            array = pic._data if pic.ndim == 2 else (pic._data.transpose(1, 2, 0) if pic.ndim == 3 else None)
            if array is not None and array.dtype.kind == "f":
                array = (array * 255).astype(np.uint8)
        elif isinstance(pic, np.ndarray):
            array = pic if pic.ndim in (2, 3) else None
        else:
            raise TypeError(f"ToPILImage: pic should be a Tensor or a NumPy array, got {type(pic).__name__}")
        if array is None:
            raise ValueError(f"ToPILImage: pic should be 2 or 3 dimensional, got shape {pic.shape}")
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.ndim == 3 and array.dtype == np.uint8 and array.shape[2] not in self._MODES:
            raise ValueError(f"ToPILImage: {array.shape[2]} channels is not an image mode (1 to 4)")
        return pil_image_module().fromarray(np.ascontiguousarray(array))

    def __repr__(self):
        return "ToPILImage()"
