"""Arithmetic gates: + - * / ** @ and negation (docs/math.md, section 1)."""
from ..autograd.function import Function, ShapeError
from ..backend import quiet, xp


class Add(Function):
    """x + y."""

    __slots__ = ()

    def forward(self, x, y):
        return x + y

    def backward(self, grad):
        """Add gate: the upstream gradient is copied to every input."""
        return grad, grad


class Sub(Function):
    """x - y."""

    __slots__ = ()

    def forward(self, x, y):
        return x - y

    def backward(self, grad):
        """d(x - y)/dx = 1, d(x - y)/dy = -1."""
        return grad, (-grad if self.needs_input_grad[1] else None)


class Remainder(Function):
    """x mod y with the sign of y (Python's and PyTorch's ``%``)."""

    __slots__ = ()
    saves_inputs = (0, 1)

    def forward(self, x, y):
        self.saved = (x, y)
        return xp.remainder(x, y)

    def backward(self, grad):
        """x % y = x - floor(x / y) y: d/dx = 1, d/dy = -floor(x / y) (PyTorch's rule)."""
        x, y = self.saved
        return grad, (-grad * xp.floor_divide(x, y) if self.needs_input_grad[1] else None)


class Mul(Function):
    """x * y."""

    __slots__ = ()
    saves_inputs = (0, 1)
    saves_crosswise = True

    def forward(self, x, y):
        self.saved = (x, y)
        return x * y

    def backward(self, grad):
        """Multiply gate: dx = dz * y, dy = dz * x (the other input times the upstream gradient)."""
        x, y = self.saved
        need_x, need_y = self.needs_input_grad
        return (grad * y if need_x else None), (grad * x if need_y else None)


def _is_integral_array(a):
    return isinstance(a, (xp.ndarray, xp.generic)) and a.dtype.kind in "biu"


def division_operands(x, y):
    """x and y with integer (and bool) arrays made floating, as PyTorch divides: in the other
    operand's float dtype, or float32 (the default float dtype) when neither is a float array.
    NumPy would give float64 (int / int, int32 / float, float32 / int64)."""
    x_integral, y_integral = _is_integral_array(x), _is_integral_array(y)
    if not (x_integral or y_integral):
        return x, y  # the common case: float arrays and Python numbers
    other = y if x_integral else x
    floating = isinstance(other, (xp.ndarray, xp.generic)) and other.dtype.kind == "f"
    target = other.dtype if floating else xp.float32
    return (x.astype(target) if x_integral else x), (y.astype(target) if y_integral else y)


class Div(Function):
    """x / y."""

    __slots__ = ()
    saves_inputs = (1,)
    saves_output = True

    @quiet  # x/0, 0 ** -1, (-1) ** 0.5: inf or NaN silently, as in PyTorch
    def forward(self, x, y):
        x, y = division_operands(x, y)
        out = x / y
        self.saved = (y, out)
        return out

    def backward(self, grad):
        """d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2 = -out/y."""
        y, out = self.saved
        need_x, need_y = self.needs_input_grad
        gx = grad / y if need_x else None
        gy = -grad * out / y if need_y else None
        return gx, gy


def _float_with_integer(x, p):
    """A float array with an integer (or bool) array: the integer one cast to the float's dtype,
    so the result keeps it (float32 ** int64 is float32), as PyTorch promotes by category."""
    if isinstance(x, xp.ndarray) and isinstance(p, xp.ndarray):
        if x.dtype.kind == "f" and p.dtype.kind in "iub":
            return x, p.astype(x.dtype)
        if p.dtype.kind == "f" and x.dtype.kind in "iub":
            return x.astype(p.dtype), p
    return x, p


class Pow(Function):
    """x ** p (p a number or a tensor)."""

    __slots__ = ()
    saves_inputs = (0, 1)
    saves_output = True

    @quiet
    def forward(self, x, p):
        x, p = _float_with_integer(x, p)
        out = x ** p
        self.saved = (x, p, out)
        return out

    def backward(self, grad):
        """d x^p/dx = p x^(p-1) (0 where p = 0, also at x = 0), d x^p/dp = x^p ln x (NaN where
        x < 0: no real logarithm; 0 where x = 0 and p >= 0), as in PyTorch."""
        x, p, out = self.saved
        need_x, need_p = self.needs_input_grad
        gx = gp = None
        if need_x:
            with xp.errstate(divide="ignore", invalid="ignore"):
                local = p * x ** (p - 1)
            gx = grad * (xp.where(p == 0, 0, local) if xp.any(p == 0) else local)
        if need_p:
            with xp.errstate(divide="ignore", invalid="ignore"):
                gp = grad * xp.where((x == 0) & (p >= 0), 0, out * xp.log(x))
        return gx, gp


class Neg(Function):
    """-x."""

    __slots__ = ()

    def forward(self, x):
        return -x

    def backward(self, grad):
        """d(-x)/dx = -1."""
        return (-grad,)


def _check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(
            f"matmul: both operands need at least one dimension, got shapes {a.shape} and {b.shape}"
        )
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise ShapeError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned ({k_a} != {k_b})"
        )


class MatMul(Function):
    """a @ b for 1-D, 2-D and batched N-D operands, with broadcasting batch dimensions."""

    __slots__ = ()
    saves_inputs = (0, 1)
    saves_crosswise = True

    def forward(self, a, b):
        a = xp.asarray(a)
        b = xp.asarray(b)
        _check_matmul(a, b)
        self.saved = (a, b)
        try:
            return a @ b
        except ValueError:
            raise ShapeError(
                f"matmul: batch dimensions of shapes {a.shape} and {b.shape} cannot be broadcast"
            ) from None

    def backward(self, grad):
        """D = A @ B: dA = dD @ B^T, dB = A^T @ dD (a 1-D A acts as a row, a 1-D B as a column)."""
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        batch = grad.shape[:grad.ndim - (a.ndim > 1) - (b.ndim > 1)]
        g = xp.reshape(grad, batch + (a2.shape[-2], b2.shape[-1]))  # restore the dropped 1-dims
        ga = gb = None
        if need_a:
            ga = g @ xp.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            gb = xp.swapaxes(a2, -1, -2) @ g
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb
