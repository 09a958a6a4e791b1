"""Function: writing an op, what apply records, hooks, and the errors it raises."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, ShapeError, gradcheck
from chainrule.autograd import function as function_module


class Cube(Function):
    """x^3."""

    __slots__ = ()

    def forward(self, x):
        self.saved = x
        return x ** 3

    def backward(self, grad):
        return (grad * 3 * self.saved ** 2,)  # d x^3 = 3 x^2


class Fails(Function):
    __slots__ = ()

    def forward(self, x, kind="value"):
        if kind == "shape":
            raise ShapeError("fails: a precise message")
        raise ValueError("something is off")


def test_a_user_written_op_passes_gradcheck():
    assert gradcheck(lambda x: Cube.apply(x), (np.array([0.3, -1.2, 2.0]),)).ok
    y = Cube.apply(cr.tensor([2.0], requires_grad=True))
    assert repr(y.grad_fn) == "<CubeBackward>" and Cube.op_name() == "cube"


def test_value_errors_name_the_op_and_the_input_shapes():
    with pytest.raises(ValueError, match=r"^fails: something is off \(input shapes \(2, 3\)\)$"):
        Fails.apply(cr.ones(2, 3))
    with pytest.raises(ShapeError, match="^fails: a precise message$"):
        Fails.apply(cr.ones(2), kind="shape")


def test_unsupported_operands_are_named():
    with pytest.raises(TypeError, match="cube: unsupported operand of type dict"):
        Cube.apply({})
    with pytest.raises(TypeError, match="mul: unsupported operand of type str"):
        cr.ones(2) * "a"


def test_dtype_errors_name_the_op():
    with pytest.raises(TypeError, match="^add: .*input dtypes float32, <U1"):
        cr.ones(2) + np.array(["a", "b"])


@pytest.mark.parametrize("op", [
    lambda s: s * 0.5, lambda s: s + 1, lambda s: 2 / s, lambda s: 1 - s, lambda s: s ** 2,
    cr.sigmoid, cr.relu, lambda s: cr.clamp(s, 0.0, 0.2), lambda s: cr.maximum(s, 0.5),
    lambda s: cr.where(s > 0, s, 0.0),
], ids=["mul", "add", "rdiv", "rsub", "pow", "sigmoid", "relu", "clamp", "maximum", "where"])
def test_python_numbers_keep_a_0d_float32_tensor_float32(op):
    # NumPy 1.x alone would promote these to float64; apply follows NumPy 2 and PyTorch
    s = cr.tensor(0.3, requires_grad=True)
    out = op(s)
    assert out.dtype == np.float32
    out.backward()
    assert s.grad.dtype == np.float32


def test_numpy_float64_operands_and_casts_still_give_float64():
    s = cr.tensor(0.3)
    assert (s + np.float64(1.0)).dtype == np.float64 and (s * np.ones(2)).dtype == np.float64
    assert s.double().dtype == np.float64 and (s.double() * 0.5).dtype == np.float64


def test_no_node_is_recorded_without_grad_or_for_integer_outputs():
    assert Cube.apply(cr.ones(2)).grad_fn is None
    x = cr.tensor([1.5, 2.5], requires_grad=True)
    as_int = x.long()
    assert as_int.dtype == np.int64 and not as_int.requires_grad


def test_hooks_run_on_every_recorded_op():
    calls = []
    forward = lambda node, out: calls.append(("forward", node.op_name(), out.shape))  # noqa: E731
    backward = lambda node, g_out, g_in: calls.append(("backward", node.op_name(), len(g_in)))  # noqa: E731
    function_module.forward_hooks.append(forward)
    function_module.backward_hooks.append(backward)
    try:
        x = cr.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
    finally:
        function_module.forward_hooks.remove(forward)
        function_module.backward_hooks.remove(backward)
    assert calls == [
        ("forward", "mul", (2,)), ("forward", "sum", ()), ("backward", "sum", 1), ("backward", "mul", 2),
    ]


class TwoGrads(Function):
    """x * y whose backward forgets the second gradient (a user error)."""

    __slots__ = ()

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        return (grad,)


class StopsGradient(Function):
    """The identity with no gradient to its input (backward returns None)."""

    __slots__ = ()

    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return (None,)


def test_backward_must_return_one_gradient_per_input():
    x = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="twograds: backward returned 1 gradients for 2 inputs"):
        TwoGrads.apply(x, 2.0).sum().backward()


def test_a_none_gradient_stops_the_flow_but_not_the_walk():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = cr.exp(x)
    out = (StopsGradient.apply(h) + h * 2).sum()  # h reaches out along two paths, one blocked
    out.backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp([1.0, 2.0]), rtol=1e-6)
    y = cr.tensor([1.0], requires_grad=True)
    StopsGradient.apply(cr.exp(y)).sum().backward()
    assert y.grad is None


def test_shape_error_is_also_pytorchs_runtime_error():
    """PyTorch raises RuntimeError for wrong shapes; ``except RuntimeError`` catches ours too."""
    with pytest.raises(RuntimeError, match=r"reshape: cannot reshape a tensor of shape \(4,\)"):
        cr.ones(4).view(3)
    assert issubclass(ShapeError, ValueError)


class _Cube(cr.autograd.Function):
    """Written PyTorch's way: static forward/backward on Tensors, ctx.save_for_backward."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * ctx.scale * x ** 2, None


def test_torch_style_function_runs_forward_and_backward_on_tensors():
    x = cr.tensor([1.0, -2.0, 0.5], dtype=cr.float64, requires_grad=True)
    y = _Cube.apply(x, 2.0)
    assert y.requires_grad and repr(y.grad_fn) == "<_CubeBackward>"
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, -16.0, 0.25])
    (y * cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 48.0, 4.5])
    assert cr.autograd.gradcheck(lambda t: _Cube.apply(t, 0.5), (x,))


def test_torch_style_function_forward_must_return_a_tensor():
    class Bad(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 1.0

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    with pytest.raises(TypeError, match="Bad.forward must return one Tensor, got float"):
        Bad.apply(cr.ones(2, requires_grad=True))
