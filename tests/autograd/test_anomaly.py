"""detect_anomaly (src/chainrule/autograd/anomaly.py): the first op whose forward output or
backward gradient holds NaN or Inf raises AnomalyError naming the op, the phase, the shapes
and the user's line that created it."""
import gc
import inspect
import os

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import AnomalyError, detect_anomaly, function, is_anomaly_enabled
from chainrule.autograd import anomaly

HERE = os.path.abspath(__file__)
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # log(-1) is NaN silently, as in PyTorch


def next_line():
    """The line number of the caller's next line."""
    return inspect.currentframe().f_back.f_lineno + 1


def test_forward_names_the_op_that_produced_nan_and_the_user_line():
    x = cr.tensor([[4.0, 1.0], [3.0, 5.0]], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        shifted = x - 2.0  # finite: not reported
        line = next_line()
        cr.log(shifted)
    error = info.value
    assert (error.op, error.phase) == ("log", "forward")
    assert error.input_shapes == ((2, 2),) and error.output_shape == (2, 2)
    assert error.origin == (HERE, line)
    message = str(error)
    assert message.startswith("forward of log produced NaN in 1 of 4 values of its output")
    assert f"created at {HERE}:{line} in " in message and "cr.log(shifted)" in message
    assert "its inputs were finite: this op made the non-finite value" in message


def test_forward_reports_inf_with_input_and_output_shapes():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        cr.div(cr.ones(2, 1), x - 2.0)
    error = info.value
    assert (error.op, error.input_shapes, error.output_shape) == ("div", ((2, 1), (3,)), (2, 3))
    assert "Inf in 2 of 6 values" in str(error)


def test_backward_names_the_op_and_its_forward_origin():
    x = cr.tensor([0.0, 4.0], dtype="float64", requires_grad=True)
    with detect_anomaly():
        line = next_line()
        root = cr.sqrt(x)
        loss = (root * 3.0).sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    error = info.value
    assert (error.op, error.phase) == ("sqrt", "backward")
    assert error.input_shapes == ((2,),) and error.output_shape == (2,)
    assert error.origin == (HERE, line)  # where sqrt was created, not where backward ran
    message = str(error)
    assert message.startswith("backward of sqrt produced Inf in 1 of 2 values of the gradient "
                              "for input 0")
    assert "root = cr.sqrt(x)" in message
    assert "the incoming gradient was finite" in message


def test_non_finite_data_is_reported_at_the_first_op_that_sees_it():
    data = np.array([1.0, np.nan], dtype=np.float32)
    w = cr.tensor([2.0, 3.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        cr.mul(w, data)
    assert info.value.op == "mul"
    assert "input 1 already held NaN/Inf: the value came from outside the graph" in str(info.value)


def test_unrecorded_ops_are_checked_too_with_their_inputs():
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        cr.log(cr.tensor([-1.0, 2.0]))
    assert info.value.origin == (HERE, line) and info.value.input_shapes == ((2,),)
    assert "input shapes: (2,); output shape: (2,)" in str(info.value)
    assert "its inputs were finite: this op made the non-finite value" in str(info.value)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        cr.mul(cr.tensor([np.inf, 1.0]), 2.0)
    assert info.value.input_shapes == ((2,), ())
    assert "input 0 already held NaN/Inf: the value came from outside the graph" in str(info.value)


def test_unrecorded_ops_keep_no_inputs_without_hooks():
    class Identity(function.Function):
        __slots__ = ()
        nodes = []

        def forward(self, x):
            Identity.nodes.append(self)
            return x

    Identity.apply(cr.tensor([1.0]))
    assert not hasattr(Identity.nodes[0], "inputs")  # no hook: nothing kept, nothing set


def test_backward_of_a_graph_built_outside_the_detector_has_no_origin():
    x = cr.tensor([0.0], requires_grad=True)
    y = cr.sqrt(x).sum()
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward()
    assert info.value.origin is None
    assert "origin unknown (its forward ran outside detect_anomaly)" in str(info.value)


def test_non_finite_initial_gradient_is_attributed_to_the_incoming_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        y = x * 2.0
        with pytest.raises(AnomalyError) as info:
            y.backward(np.array([np.inf, 1.0], dtype=np.float32))
    assert info.value.op == "mul" and "incoming gradient was already non-finite" in str(info.value)


def test_a_parameter_made_nan_outside_the_graph_is_caught_in_its_layer():
    """The op is created inside chainrule (nn.Linear calls F.linear): the message names the
    user's line and the library frame, and blames the parameter input, not the op."""
    layer = cr.nn.Linear(3, 2)
    layer.weight.data[0, 1] = np.nan  # as an optimizer step with a huge learning rate might
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        layer(cr.ones(4, 3))
    error = info.value
    assert (error.op, error.input_shapes, error.output_shape) == ("linear", ((4, 3), (2, 3), (2,)), (4, 2))
    assert error.origin == (HERE, line)
    functional = os.path.join(os.path.dirname(os.path.abspath(cr.__file__)), "nn", "functional.py")
    assert f", via {functional}:" in str(error)
    assert "input 1 already held NaN/Inf" in str(error)


def test_user_code_is_what_neither_chainrule_nor_python_installed():
    import runpy

    assert anomaly.is_user_file(HERE)
    assert anomaly.is_user_file("<stdin>") and anomaly.is_user_file("<ipython-input-3-1f2e>")
    assert not anomaly.is_user_file(os.path.abspath(cr.__file__))
    assert not anomaly.is_user_file(os.path.abspath(pytest.__file__))
    assert not anomaly.is_user_file(os.path.abspath(runpy.__file__))
    assert not anomaly.is_user_file("<frozen runpy>")


def test_finite_computations_pass_and_gradients_are_unchanged():
    x = cr.tensor([0.5, 2.0], dtype="float64", requires_grad=True)
    with detect_anomaly():
        (cr.log(x) * cr.sqrt(x)).sum().backward()
    expected = np.sqrt([0.5, 2.0]) / [0.5, 2.0] + np.log([0.5, 2.0]) / (2 * np.sqrt([0.5, 2.0]))
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_inactive_outside_the_context_nesting_and_after_an_error():
    assert not is_anomaly_enabled() and function.forward_hooks == [] == function.backward_hooks
    with detect_anomaly():
        with detect_anomaly():
            assert len(function.forward_hooks) == 1 and is_anomaly_enabled()
        assert is_anomaly_enabled()
        with pytest.raises(AnomalyError):
            cr.log(cr.tensor([-1.0]))
    assert not is_anomaly_enabled() and function.forward_hooks == [] == function.backward_hooks
    assert np.isnan(cr.log(cr.tensor([-1.0])).item())  # outside: NaN flows, like NumPy


def test_origins_are_forgotten_with_the_graph():
    gc.collect()
    before = set(anomaly._origins)
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        loss = (cr.exp(x) * 2.0).sum()
        assert len(set(anomaly._origins) - before) == 3  # exp, mul, sum
        loss.backward()
        del loss
        assert set(anomaly._origins) <= before
