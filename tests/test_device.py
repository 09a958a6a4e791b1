"""chainrule.device follows torch.device; resolve_device accepts only the CPU, clearly."""
import pytest

import chainrule as cr
from chainrule.device import resolve_device


@pytest.mark.parametrize("args, text, type_, index", [
    (("cpu",), "cpu", "cpu", None),
    (("cuda:1",), "cuda:1", "cuda", 1),
    (("cuda", 2), "cuda:2", "cuda", 2),
    ((cr.device("mps"),), "mps", "mps", None),
])
def test_device_parses_like_torch(args, text, type_, index):
    d = cr.device(*args)
    assert (str(d), d.type, d.index) == (text, type_, index)
    assert d == cr.device(text) and hash(d) == hash(cr.device(text))


def test_device_repr_matches_torch():
    torch = pytest.importorskip("torch")
    for text in ("cpu", "cuda:0", "mps"):
        assert repr(cr.device(text)) == repr(torch.device(text))


@pytest.mark.parametrize("args, message", [
    (("gpu",), "expected one of cpu, cuda"),
    (("cuda:x",), "index must be a non-negative integer"),
    (("cuda:0", 1), "already has an index"),
    (("cuda", -1), "non-negative integer, got -1"),
    ((3,), "expected a device string"),
])
def test_device_rejects_what_torch_rejects(args, message):
    with pytest.raises((RuntimeError, TypeError), match=message):
        cr.device(*args)


def test_device_is_immutable():
    with pytest.raises(AttributeError):
        cr.device("cpu").type = "cuda"


@pytest.mark.parametrize("requested", [None, "cpu", "cpu:0", cr.device("cpu")])
def test_resolve_device_accepts_the_cpu(requested):
    assert resolve_device(requested, "zeros") == cr.device("cpu")


@pytest.mark.parametrize("requested, error, message", [
    ("cuda", RuntimeError, r"zeros: device 'cuda' is not available: chainrule runs on the CPU only"),
    (cr.device("mps"), RuntimeError, "device 'mps' is not available"),
    ("cpu:1", RuntimeError, "device 'cpu:1' is not available"),
    (0, TypeError, "zeros: device must be a string"),
    ("tpu", RuntimeError, "expected one of"),
])
def test_resolve_device_refuses_other_devices(requested, error, message):
    with pytest.raises(error, match=message):
        resolve_device(requested, "zeros")


def test_set_default_device_accepts_the_cpu_and_refuses_others():
    for requested in ("cpu", cr.device("cpu"), None):
        cr.set_default_device(requested)
        assert cr.get_default_device() == cr.device("cpu")
    with pytest.raises(RuntimeError, match=r"set_default_device: device 'cuda' is not available"):
        cr.set_default_device("cuda")
