"""``device``: where a tensor lives. chainrule computes on the CPU only, and says so.

``chainrule.device`` has PyTorch's name and shape (``device('cpu')``, ``device('cuda:0')``,
``device('cuda', 1)``) so code that names devices runs unchanged; asking to *put* anything on
a device other than the CPU (``resolve_device``) is a clear error, never a silent fallback.
"""

# The device types PyTorch knows; naming one is valid, using any but "cpu" is refused.
DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "mtia", "hpu", "privateuseone")


class device:
    """A device: ``type`` ('cpu', 'cuda', ...) and ``index`` (an int, or None)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device: an index cannot be given with a device")
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu', got {type!r}")
        name, colon, number = type.partition(":")
        if colon:
            if index is not None:
                raise RuntimeError(f"device: type {type!r} already has an index; do not also pass {index!r}")
            if not number.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}: the index must be a "
                                   "non-negative integer, as in 'cuda:0'")
            index = int(number)
        if name not in DEVICE_TYPES:
            raise RuntimeError(f"device: expected one of {', '.join(DEVICE_TYPES)} at the start of "
                               f"the device string, got {type!r}")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device: the index must be a non-negative integer, got {index!r}")
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"


CPU = device("cpu")


def resolve_device(requested, where):
    """``device('cpu')`` for ``requested`` None, 'cpu', 'cpu:0' or such a device; a
    RuntimeError naming ``where`` (the op or layer) for any other device, and a TypeError for
    something that is not a device (an int, which PyTorch reads as a CUDA ordinal, included)."""
    if requested is None:
        return CPU
    if isinstance(requested, bool) or not isinstance(requested, (str, device)):
        raise TypeError(f"{where}: device must be a string such as 'cpu' or a chainrule.device, "
                        f"got {requested!r} of type {type(requested).__name__}")
    resolved = device(requested)
    if resolved.type != "cpu" or resolved.index not in (None, 0):
        raise RuntimeError(f"{where}: device {str(resolved)!r} is not available: chainrule runs on "
                           "the CPU only (chainrule.cuda.is_available() is False); use device='cpu'")
    return CPU


def refuse_cuda(index_or_device, where):
    """What ``.cuda()`` does here: raise, naming ``where``. ``index_or_device`` is ``cuda()``'s
    argument (None, an index or a device)."""
    requested = index_or_device
    if requested is None:
        requested = "cuda"
    elif isinstance(requested, int) and not isinstance(requested, bool):
        requested = f"cuda:{requested}"
    resolve_device(requested, where)  # raises for every CUDA device
    raise RuntimeError(f"{where}: expected a CUDA device, got {str(requested)!r}")


def set_default_device(requested):
    """``torch.set_default_device``: accepted for the CPU (the only device, so the default
    already), refused for any other device as ``resolve_device`` refuses it."""
    resolve_device(requested, "set_default_device")


def get_default_device():
    """``torch.get_default_device``: always ``device('cpu')``."""
    return CPU
