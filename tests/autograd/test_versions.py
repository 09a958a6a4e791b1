"""Version counters: a value an op saved for backward and changed in place since forward is
PyTorch's error; an unsaved one is fine (tests/ops/test_saves.py checks the ops' declarations)."""
import numpy as np
import pytest
import torch

import chainrule as cr

MODIFIED = r"one of the variables needed for gradient computation has been modified by an inplace operation"


def _backward_outcome(module, build, modify):
    """'ok' or the error of: build a graph, modify a tensor in place, backward."""
    inputs, out = build(module)
    modify(module, inputs)
    try:
        out.sum().backward()
    except RuntimeError as exc:
        return str(exc)
    return "ok"


def _mul_input(lib):
    u, w = lib.ones(3), lib.ones(3, requires_grad=True)
    return (u, w), u * w


def _add_input(lib):
    u, w = lib.ones(3), lib.ones(3, requires_grad=True)
    return (u, w), u + w


def _exp_output(lib):
    w = lib.ones(3, dtype=lib.float64, requires_grad=True)
    e = w.exp()
    return (e.detach(),), e


def _change_first(lib, inputs):
    with lib.no_grad():
        inputs[0].add_(1)


def _change_second(lib, inputs):
    with lib.no_grad():
        inputs[1].add_(1)


@pytest.mark.parametrize("build, modify, fails", [
    (_mul_input, _change_first, True),    # u is saved for dw
    (_mul_input, _change_second, False),  # w is not saved: u needs no gradient
    (_add_input, _change_first, False),   # add saves nothing
    (_exp_output, _change_first, True),   # exp saves its output (changed through .detach())
], ids=["mul-saved-input", "mul-unsaved-input", "add-input", "exp-output"])
def test_rules_match_pytorch(build, modify, fails):
    ours = _backward_outcome(cr, build, modify)
    theirs = _backward_outcome(torch, build, modify)
    assert (ours != "ok") == (theirs != "ok") == fails


def test_error_names_tensor_versions_and_op():
    x = cr.ones(3, requires_grad=True)
    u = cr.ones(3)
    y = (u * x).sum()
    u.mul_(2)
    u[0] = 1.0
    with pytest.raises(RuntimeError, match=MODIFIED + r": \[FloatTensor of shape \(3,\)\] is at version 2; "
                       r"expected version 0 instead \(mul saved it as its input 0"):
        y.backward()


def test_changes_elsewhere_after_forward_leave_a_graph_valid():
    """Backward looks at what a node saved once any in-place change happened after its forward,
    and finds none of the changed tensors among its saved values here."""
    x, w, other = cr.ones(3, requires_grad=True), cr.full((3,), 2.0), cr.ones(3)
    y = (w * x).sum()
    other.add_(1)
    x.detach().mul_(1)  # x is not saved: mul reads w for dx and x only for dw, which needs no gradient
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


@pytest.mark.parametrize("before, after, expected", [(4, 1, "4"), (4, 3, "4"), (0, 4, "0"), (4, 4, "4 or earlier")])
def test_expected_version_counts_the_changes_since_forward(before, after, expected):
    """Exact while the counter's kept changes (the last four) reach back to before forward, or
    are all it ever had; otherwise an upper bound, said as one."""
    u, x = cr.ones(3), cr.ones(3, requires_grad=True)
    for _ in range(before):
        u.add_(1)
    y = (u * x).sum()
    for _ in range(after):
        u.add_(1)
    with pytest.raises(RuntimeError, match=rf"is at version {before + after}; expected version {expected} instead"):
        y.backward()


def test_output_and_versions_recorded_after_earlier_changes():
    x = cr.ones(2, 2, dtype=cr.float64, requires_grad=True)
    s = x.sigmoid()
    s.detach().zero_()
    with pytest.raises(RuntimeError, match=r"\[DoubleTensor of shape \(2, 2\)\] is at version 1; expected "
                       r"version 0 instead \(sigmoid saved it as its output"):
        s.sum().backward()
    u = cr.ones(3)
    u.add_(1)  # before forward: the recorded version is 1, so backward is fine
    w = cr.ones(3, requires_grad=True)
    (u * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])


def test_changes_through_data_are_not_tracked_as_in_pytorch():
    w = cr.ones(3, requires_grad=True)
    y = (w * w).sum()
    w.data.add_(1)
    y.backward()  # PyTorch too: .data has its own version counter
    np.testing.assert_array_equal(w.grad, [4.0, 4.0, 4.0])
