import gc
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import Function
from chainrule.explain import recording, trace
from chainrule.explain.trace import _recorded


def leaf(value, name, dtype="float64"):
    t = cr.tensor(value, dtype=dtype, requires_grad=True)
    t.name = name
    return t


def forward_value(text, name):
    """The number a forward line of ``str(trace)`` gives for ``name``."""
    line = next(l for l in text.splitlines() if re.match(rf"\s+{re.escape(name)}\s", l))
    return float(line.rsplit("=", 1)[1])


def gradient_line(text, out, name):
    line = next(l for l in text.splitlines() if l.strip().startswith(f"d{out}/d{name} ="))
    return float(line.rsplit("=", 1)[1])


def example_one():
    x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
    q = x + y
    q.name = "q"
    return x, y, z, q, q * z


def test_worked_example_one_records_and_text():
    x, y, z, q, f = example_one()
    tr = trace(f)
    forward = {r["name"]: r for r in tr.records if r["phase"] == "forward"}
    assert list(forward) == ["x", "y", "q", "z", "f"]
    assert forward["q"]["value"] == pytest.approx(3, abs=1e-9)
    assert forward["f"]["value"] == pytest.approx(-12, abs=1e-9)
    assert forward["q"]["grad"] == pytest.approx(-4, abs=1e-9)
    assert forward["z"]["grad"] == pytest.approx(3, abs=1e-9)
    assert forward["q"]["rule"] == "q = x + y" and forward["q"]["op"] == "add"
    backward = [r for r in tr.records if r["phase"] == "backward"]
    assert [(r["op"], r["name"], r["grad"]) for r in backward] == [
        ("seed", "f", 1.0), ("mul", "q", -4.0), ("mul", "z", 3.0), ("add", "x", -4.0), ("add", "y", -4.0),
    ]
    assert backward[1]["rule"] == "dq += df * z"
    text = str(tr)
    assert forward_value(text, "q") == pytest.approx(3, abs=1e-9)
    assert forward_value(text, "f") == pytest.approx(-12, abs=1e-9)
    for name, expected in (("x", -4), ("y", -4), ("z", 3)):
        assert gradient_line(text, "f", name) == pytest.approx(expected, abs=1e-9)
    lines = text.splitlines()  # each step: formula, the numbers substituted, the result
    assert "    dq += df * z = 1 * (-4) = -4" in lines and "    dz += df * q = 1 * 3 = 3" in lines
    assert "    dx += dq = -4" in lines  # an add gate only copies: nothing to multiply
    # trace ran backward itself: the leaves hold the gradients once
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_fan_out_contributions_are_summed():
    x, y = leaf(3.0, "x"), leaf(-4.0, "y")
    f = (x + cr.sigmoid(y)) / (cr.sigmoid(x) + (x + y) ** 2)
    tr = trace(f)
    to_x = [r for r in tr.records if r["phase"] == "backward" and r["name"] == "x"]
    assert [r["use"] for r in to_x] == [1, 2, 3] and {r["uses"] for r in to_x} == {3}
    assert sum(r["grad"] for r in to_x) == pytest.approx(2.0595697956, abs=1e-9)
    assert to_x[-1]["total"] == pytest.approx(2.0595697956, abs=1e-9)
    assert tr.gradients["x"] == pytest.approx(2.0595697956, abs=1e-9)
    assert tr.gradients["y"] == pytest.approx(1.5922327515, abs=1e-9)
    assert "fan-out: contribution 3 of 3, dx = 2.06)" in str(tr)


def test_trace_after_backward_inside_recording():
    x, y, z, q, f = example_one()
    with recording():
        f.backward()
    tr = trace(f)
    assert tr.gradients == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert x.grad == -4.0  # trace did not run backward a second time


def fan_out_example():
    x, y = leaf(3.0, "x"), leaf(-4.0, "y")
    return x, y, (x + cr.sigmoid(y)) / (cr.sigmoid(x) + (x + y) ** 2)


def assert_same_records(replayed, recorded):
    assert str(replayed) == str(recorded)
    assert len(replayed.records) == len(recorded.records)
    for a, b in zip(replayed.records, recorded.records):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize("build", [lambda: example_one()[-1], lambda: fan_out_example()[-1]])
def test_trace_after_a_plain_backward_replays_the_graph(build):
    f = build()
    with recording():
        f.backward()
    recorded = trace(f)
    f = build()
    f.backward()  # without recording: the graph is freed
    assert_same_records(trace(f), recorded)


def test_replay_gives_the_worked_examples_numbers_and_leaves_grad_alone():
    x, y, z, q, f = example_one()
    f.backward()
    tr = trace(f)
    assert tr.gradients == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert next(r for r in tr.records if r["name"] == "q")["grad"] == -4.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)  # not added to a second time
    x, y, f = fan_out_example()
    f.backward()
    tr = trace(f)
    assert tr.gradients["x"] == pytest.approx(2.0595697956, abs=1e-9)
    assert tr.gradients["y"] == pytest.approx(1.5922327515, abs=1e-9)
    assert (tr.gradients["x"], tr.gradients["y"]) == (x.grad.item(), y.grad.item())


def test_trace_after_retain_graph_does_not_backpropagate_twice():
    x = leaf(3.0, "x")
    f = x * x
    f.backward(retain_graph=True)
    assert x.grad == 6.0
    assert trace(f).gradients == {"x": 6.0}
    assert x.grad == 6.0
    f.backward()  # the user's graph is still there for the user
    assert x.grad == 12.0


def test_replay_refuses_inputs_changed_since_the_forward_pass():
    x = leaf([1.0, 2.0], "x")
    f = cr.sum(cr.exp(x * 2))
    f.backward()
    x.data += 1  # through .data, as in PyTorch
    with pytest.raises(RuntimeError, match=r"inputs changed since the forward pass.*before changing them"):
        trace(f)


def test_replay_reuses_the_dropout_mask_without_drawing():
    def build():
        cr.manual_seed(0)
        x = leaf(np.arange(1.0, 9.0), "x")
        return x, cr.sum(cr.nn.functional.dropout(x, 0.5, training=True) * x)

    x, f = build()
    with recording():
        f.backward()
    recorded = trace(f)
    x, f = build()
    f.backward()
    state = cr.get_rng_state()
    replayed = trace(f)  # the mask is an input of the dropout op: the replay draws nothing
    assert cr.get_rng_state() == state
    assert_same_records(replayed, recorded)
    assert 0 < np.count_nonzero(x.grad) < x.grad.numel()
    np.testing.assert_array_equal(replayed.gradients["x"], x.grad)


class Noisy(Function):
    """x + noise drawn inside forward (no built-in op does this: dropout takes its mask as an input)."""

    def forward(self, x):
        return x + cr.default_generator().standard_normal(x.shape)

    def backward(self, grad):
        """d(x + noise)/dx = 1."""
        return (grad,)


def test_replay_refuses_an_op_drawing_random_numbers_and_restores_the_generator():
    x = leaf([1.0, 2.0], "x")
    f = cr.sum(Noisy.apply(x))
    f.backward()
    state = cr.get_rng_state()
    with pytest.raises(RuntimeError, match="draws random numbers in its forward"):
        trace(f)
    assert cr.get_rng_state() == state


def test_replay_leaves_batchnorm_running_statistics_alone():
    rng = np.random.default_rng(0)
    bn = cr.nn.BatchNorm1d(3).double()
    x = leaf(rng.standard_normal((4, 3)), "x")
    f = cr.sum(bn(x) ** 2 * cr.tensor(rng.standard_normal((4, 3))))
    f.backward()
    running = np.array(bn.running_mean), np.array(bn.running_var)
    np.testing.assert_array_equal(trace(f).gradients["x"], x.grad)
    np.testing.assert_array_equal(bn.running_mean, running[0])
    np.testing.assert_array_equal(bn.running_var, running[1])


def test_trace_of_a_constant_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        trace(cr.tensor(1.0) * 2)


def test_arrays_show_shape_statistics_and_broadcast_sum():
    rng = np.random.default_rng(0)
    W = leaf(rng.standard_normal((3, 5)), "W")
    b = leaf(rng.standard_normal(3), "b")
    X = cr.tensor(rng.standard_normal((4, 5)))
    X.name = "X"
    loss = cr.sum(cr.tanh(X @ W.T + b))
    tr = trace(loss)
    text = str(tr)
    from chainrule.explain.graph import format_value

    assert f"  df/dW = {format_value(W.grad)}" in text.splitlines()
    # array steps give every operand's shape, as CS231n writes dW = dD @ X^T
    assert any(line.startswith("    d(permute(W)) (5x3) += X^T (5x4) @ dt1 (4x3) = (5x3) min ")
               for line in text.splitlines())
    assert format_value(W.grad).startswith("(3x5) min ") and " mean|.| " in format_value(W.grad)
    assert "summed over the broadcast axes" in text
    b_record = next(r for r in tr.records if r["phase"] == "backward" and r["name"] == "b")
    np.testing.assert_allclose(b_record["grad"], b.grad, rtol=0, atol=1e-12)
    assert b_record["grad"].shape == (3,)
    np.testing.assert_allclose(tr.gradients["W"], W.grad, rtol=0, atol=1e-12)


def test_derived_names_and_float32_numbers():
    a = cr.tensor(0.1, requires_grad=True)  # float32, unnamed
    tr = trace(cr.sigmoid(a) * 3, digits=None)
    names = [r["name"] for r in tr.records if r["phase"] == "forward"]
    assert names == ["x1", "sigmoid(x1)", "f"]  # a short formula names its result
    text = str(tr)  # float32 values shown without float64 noise
    # 3 s(0.1) (1 - s(0.1)) = 0.74812812..., shown as the float32 gradient's shortest digits
    # (its last digit depends on whether NumPy rounds each step to float32: 2.x does, 1.x not)
    assert a.grad.dtype == np.float32 and abs(a.grad - 0.74812812) < 1e-7
    assert "= 0.1\n" in text and text.endswith(f"df/dx1 = {a.grad.numpy()[()]!s}")


def test_digits_must_be_a_positive_integer_or_none():
    *_, f = example_one()
    for bad in (0, 2.5, "4", True, 18):
        with pytest.raises(ValueError, match="trace: digits must be an integer from 1 to 17 or None"):
            trace(f, digits=bad)


def test_records_die_with_the_graph():
    *_, f = example_one()
    trace(f)
    node = f.grad_fn
    assert node in _recorded
    count = len(_recorded)
    del f, node, _
    gc.collect()
    assert len(_recorded) < count


def test_non_scalar_outputs_need_their_gradient_under_recording():
    x = leaf([1.0, 2.0, 3.0], "x")
    y = x * x
    with pytest.raises(RuntimeError, match="backward needs its gradient"):
        trace(y)
    y.backward(np.ones(3), retain_graph=True)  # without recording: the seed is unknown to trace
    with pytest.raises(RuntimeError, match="backward needs its gradient"):
        trace(y)
    with recording():
        y.backward(np.array([1.0, 0.5, -1.0]))
    tr = trace(y)
    seed = tr.records[[r["op"] for r in tr.records].index("seed")]
    assert "gradient backward started from" in seed["rule"]
    np.testing.assert_allclose(tr.gradients["x"], [2.0, 2.0, -6.0])


def test_a_models_parameters_are_called_by_their_state_dict_names():

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(4, 3), nn.Linear(3, 2)

        def forward(self, x):
            return self.fc2(cr.tanh(self.fc1(x)))

    cr.manual_seed(0)
    model = Net()
    loss = cr.sum(model(cr.randn(5, 4)) ** 2)
    tr = trace(loss, names=model)
    names = [r["name"] for r in tr.records if r["phase"] == "forward"]
    assert names == ["input", "fc1.weight", "fc1.bias", "t1", "tanh(t1)", "fc2.weight", "fc2.bias", "t2", "t2 ** 2", "f"]
    assert list(tr.gradients) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert "    dfc2.bias (2) += sum_batch(dt2 (5x2)) = (2) [-6.525, 1.2]" in str(tr).splitlines()
    np.testing.assert_allclose(tr.gradients["fc1.weight"], np.asarray(model.fc1.weight.grad), rtol=0, atol=0)
    renamed = trace(loss, names={"W": model.fc1.weight})
    renamed_leaves = [r["name"] for r in renamed.records if r["phase"] == "forward" and r["op"] in ("input", "constant")]
    assert renamed_leaves == ["input", "W", "x1", "x2", "x3"]  # parameters not named are derived as before
    assert list(renamed.gradients) == ["W", "x1", "x2", "x3"]
    with pytest.raises(TypeError, match="trace: names must be a Module or a mapping"):
        trace(loss, names=["W"])


def test_an_rnns_zero_initial_state_is_not_the_target():
    cr.manual_seed(0)
    model = nn.Sequential(nn.RNN(2, 3, batch_first=True))
    out, _ = model(cr.randn(4, 2, 2))
    loss = cr.sum((out[:, -1] - cr.randn(4, 3)) ** 2)
    leaves = [r["name"] for r in trace(loss, names=model).records if r["phase"] == "forward" and r["op"] in ("input", "constant")]
    # c1: h_0; c2: the input's second time step (the RNN slices an input that needs no gradient unrecorded)
    assert leaves == ["input", "0.weight_ih_l0", "0.bias_ih_l0", "c1", "0.weight_hh_l0", "0.bias_hh_l0", "c2", "target"]


def test_a_models_input_and_target_are_named_input_and_target():
    cr.manual_seed(0)
    model = nn.Linear(3, 2)
    loss = cr.sum((model(cr.randn(4, 3)) - cr.randn(4, 2)) ** 2)
    tr = trace(loss, names=model)
    leaves = [r["name"] for r in tr.records if r["phase"] == "forward" and r["op"] in ("input", "constant")]
    assert leaves == ["input", "weight", "bias", "target"]
    assert list(tr.gradients) == ["weight", "bias"]
