"""Every way to change in place a value that backward needs (issue 18, item 1): each is
detected at backward with PyTorch's error, or, for ``.data`` and NumPy views, left unchecked
exactly as PyTorch leaves it (docs/safety.md, "In-place changes and backward")."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.inplace import METHODS

MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def _arguments(lib):
    """Arguments of each in-place method, in PyTorch's names."""
    ones = lib.ones(3, dtype=lib.float64)
    return {"add_": (1.0,), "sub_": (1.0,), "mul_": (2.0,), "div_": (2.0,), "pow_": (2.0,),
            "addcmul_": (ones, ones), "addcdiv_": (ones, ones), "lerp_": (ones, 0.5),
            "copy_": (ones,), "fill_": (5.0,), "clamp_": (0.0, 1.5), "clip_": (0.0, 1.5)}


def _outcome(lib, change, saved="input"):
    """'detected', or the gradient after: a graph saving a tensor (an input of mul with no
    gradient, a leaf that needs one, or exp's output), ``change(lib, tensor)``, backward."""
    w = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    if saved == "input":
        tensor = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        y = (tensor * w).sum()
    elif saved == "leaf":
        tensor, y = w, (w * w).sum()
    else:
        e = w.exp()
        tensor, y = e.detach(), e.sum()
    with lib.no_grad():
        change(lib, tensor)
    try:
        y.backward()
    except RuntimeError as exc:
        assert MODIFIED in str(exc)
        return "detected"
    return np.asarray(w.grad.detach() if lib is torch else w.grad).tolist()


def _method(name):
    def change(lib, tensor):
        getattr(tensor, name)(*_arguments(lib).get(name, ()))
    return change


def test_every_in_place_method_is_listed():
    assert set(METHODS) == {*_arguments(cr), "zero_", "uniform_", "normal_", "neg_", "exp_", "log_",
                            "sqrt_", "abs_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_"}


@pytest.mark.parametrize("saved", ["input", "leaf", "output"])
@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_in_place_method_is_detected(name, saved):
    assert _outcome(cr, _method(name), saved) == _outcome(torch, _method(name), saved) == "detected"


def _iadd(lib, t):
    t += 1


def _isub(lib, t):  # the example: with no_grad(): w -= 1
    t -= 1


def _imul(lib, t):
    t *= 2


def _idiv(lib, t):
    t /= 2


def _setitem(lib, t):
    t[0] = 5.0


def _slice_view(lib, t):
    t[0:2].add_(1)


def _reshape_view(lib, t):
    t.reshape(3, 1).mul_(2)


def _transpose_view(lib, t):
    t.reshape(1, 3).T.zero_()


def _view_view(lib, t):
    t.view(3).fill_(0)


def _flatten_view(lib, t):
    t.reshape(1, 3).flatten().neg_()


def _unsqueeze_view(lib, t):
    t.unsqueeze(0).sub_(1)


def _detached(lib, t):
    t.detach().add_(1)


@pytest.mark.parametrize("saved", ["input", "leaf", "output"])
@pytest.mark.parametrize("change", [_iadd, _isub, _imul, _idiv, _setitem, _slice_view, _reshape_view,
                                    _transpose_view, _view_view, _flatten_view, _unsqueeze_view, _detached], ids=lambda f: f.__name__[1:])
def test_operators_setitem_views_and_detach_are_detected(change, saved):
    assert _outcome(cr, change, saved) == _outcome(torch, change, saved) == "detected"


OPTIMIZERS = sorted(name for name, value in vars(cr.optim).items()
                    if isinstance(value, type) and issubclass(value, cr.optim.Optimizer) and value is not cr.optim.Optimizer)


def test_every_optimizer_is_listed():
    assert OPTIMIZERS == ["Adadelta", "Adagrad", "Adam", "AdamW", "NAdam", "RAdam", "RMSprop", "SGD"]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_an_optimizer_step_on_a_saved_parameter_is_detected(optimizer):
    for lib in (cr, torch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        first, second = (w * w).sum(), (w * w).sum()
        first.backward()
        getattr(lib.optim, optimizer)([w], lr=0.1).step()
        with pytest.raises(RuntimeError, match=MODIFIED):
            second.backward()


def test_load_state_dict_into_a_saved_parameter_is_detected():
    for lib in (cr, torch):
        layer = lib.nn.Linear(3, 1)
        y = layer(lib.ones(1, 3, requires_grad=True)).sum()
        layer.load_state_dict({k: v.detach() * 0 if lib is torch else np.zeros_like(v)
                               for k, v in layer.state_dict().items()})
        with pytest.raises(RuntimeError, match=MODIFIED):
            y.backward()


def _through_data(lib, t):
    t.data.add_(1)


def _numpy_view(lib, t):
    t.detach().numpy()[0] = 5.0


def _asarray_view(lib, t):
    np.asarray(t.detach())[1] = 5.0


@pytest.mark.parametrize("saved", ["input", "leaf", "output"])
@pytest.mark.parametrize("change", [_through_data, _numpy_view, _asarray_view], ids=lambda f: f.__name__[1:])
def test_data_and_numpy_views_are_unchecked_as_in_pytorch(change, saved):
    ours, theirs = _outcome(cr, change, saved), _outcome(torch, change, saved)
    assert ours != "detected" and ours == pytest.approx(theirs)
    assert ours != _outcome(cr, lambda lib, t: None, saved)  # the gradient is silently stale


def test_assigning_data_keeps_what_backward_saved_unlike_pytorch():
    def assign(lib, t):
        t.data = lib.tensor([7.0, 7.0, 7.0], dtype=lib.float64)

    # unchecked in both; chainrule's graph keeps the arrays it saved (the values it was built
    # with), PyTorch's saved tensor reads the new storage
    assert _outcome(cr, assign, "input") == [1.0, 2.0, 3.0] and _outcome(torch, assign, "input") == [7.0] * 3
    assert _outcome(cr, assign, "leaf") == [2.0, 4.0, 6.0] and _outcome(torch, assign, "leaf") == [14.0] * 3
