"""The first exercises: gates (add, multiply, max), sigmoid, ReLU and a staged circuit where
values fan out (docs/math.md, section 1)."""
import numpy as np

import chainrule as cr

from .checker import MATH, Case, Exercise, Mistake

GATES = f"{MATH}#1-gates-circuits-and-the-chain-rule"
WORKED = f"{MATH}#worked-examples"


def stub_header(name, title, lesson):
    """The top of every stub file: what it is, where the lesson is, how to check it."""
    return (f'"""{name}: {title}.\n\nLesson: {lesson}\nCheck:  chainrule learn check {name}\n\n'
            "Write `backward`; leave `forward` as it is. Arrays in, arrays out (NumPy).\n"
            '"""\nimport numpy as np\n\nfrom chainrule.autograd.function import Function\n')


def two_arrays(rng, shape=(3, 4)):
    return rng.standard_normal(shape), rng.standard_normal(shape)


def _pair_cases(rng):
    return [Case("random inputs", two_arrays(rng)), Case("other shape", two_arrays(rng, (5,)))]


ADD = Exercise(
    name="add", title="the add gate", lesson=GATES, class_name="Add",
    input_names=("x", "y"), needs_grad=("x", "y"),
    reference=lambda x, y: x + y, cases=_pair_cases,
    stub=stub_header("add", "the add gate, o = x + y", GATES) + '''

class Add(Function):
    def forward(self, x, y):
        """x, y: arrays of one shape. Returns x + y."""
        return x + y

    def backward(self, grad):
        """The add gate distributes.

        grad: dL/do, the upstream gradient, the shape of the output.
        Returns (dx, dy): dL/dx and dL/dy, each of its input's shape.
        Rule: the local derivative of x + y is 1 for each input.
        """
        raise NotImplementedError("write the backward of add")
''')

MULTIPLY = Exercise(
    name="multiply", title="the multiply gate", lesson=GATES, class_name="Multiply",
    input_names=("x", "y"), needs_grad=("x", "y"),
    reference=lambda x, y: x * y, cases=_pair_cases,
    mistakes=(Mistake("the multiply gate swaps: dx is the upstream gradient times the *other* input, y "
                      "(and dy uses x)",
                      lambda inputs, params, g: {"x": g * inputs[0], "y": g * inputs[1]}),),
    stub=stub_header("multiply", "the multiply gate, o = x * y", GATES) + '''

class Multiply(Function):
    def forward(self, x, y):
        """x, y: arrays of one shape. Returns x * y."""
        self.saved = (x, y)
        return x * y

    def backward(self, grad):
        """The multiply gate swaps.

        grad: dL/do, the upstream gradient, the shape of the output.
        Returns (dx, dy), each of its input's shape.
        Rule: do/dx = y and do/dy = x.
        """
        x, y = self.saved
        raise NotImplementedError("write the backward of multiply")
''')


def _max_cases(rng):
    x, y = two_arrays(rng)
    tied_x, tied_y = two_arrays(rng)
    tied_y[0] = tied_x[0]  # a whole row of ties
    tied_y[2, 1] = tied_x[2, 1]
    return [Case("random inputs", (x, y)), Case("ties (x == y in 5 places)", (tied_x, tied_y), smooth=False)]


def _tie_mistake(what, x_share, y_share):
    """Routing right away from ties, and giving x and y these shares of the upstream gradient at them."""
    def gradients(inputs, params, g):
        x, y = inputs
        return {"x": g * np.where(x == y, x_share, x > y), "y": g * np.where(x == y, y_share, y > x)}
    return Mistake(f"at a tie (x == y) {what}; chainrule, like PyTorch's torch.maximum, gives each "
                   "input half of it", gradients)


MAXIMUM = Exercise(
    name="max", title="the max gate", lesson=GATES, class_name="Maximum",
    input_names=("x", "y"), needs_grad=("x", "y"),
    reference=cr.maximum, cases=_max_cases,
    mistakes=(
        _tie_mistake("you send the whole upstream gradient to both inputs", 1.0, 1.0),
        _tie_mistake("you send the whole upstream gradient to x", 1.0, 0.0),
        _tie_mistake("you send the whole upstream gradient to y", 0.0, 1.0),
        _tie_mistake("you send nothing to either input", 0.0, 0.0),
        Mistake("the max gate routes: the upstream gradient goes to the larger input, not the smaller",
                lambda inputs, params, g: {"x": g * (inputs[0] < inputs[1]), "y": g * (inputs[1] < inputs[0])}),
    ),
    stub=stub_header("max", "the max gate, o = max(x, y) element by element", GATES) + '''

class Maximum(Function):
    def forward(self, x, y):
        """x, y: arrays of one shape. Returns the element-wise maximum."""
        self.saved = (x, y)
        return np.maximum(x, y)

    def backward(self, grad):
        """The max gate routes.

        grad: dL/do, the shape of the output. Returns (dx, dy), each of its input's shape.
        Rule: the upstream gradient goes to the larger input, 0 to the other. At a tie
        (x == y) each input gets half, as in PyTorch.
        """
        x, y = self.saved
        raise NotImplementedError("write the backward of max")
''')


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _sigmoid_cases(rng):
    saturated = np.array([-40.0, -8.0, 0.0, 8.0, 40.0])
    return [Case("random inputs", (rng.standard_normal((3, 4)) * 2,)), Case("saturated inputs", (saturated,))]


SIGMOID = Exercise(
    name="sigmoid", title="the sigmoid gate", lesson=GATES, class_name="Sigmoid",
    input_names=("x",), needs_grad=("x",),
    reference=cr.sigmoid, cases=_sigmoid_cases,
    mistakes=(
        Mistake("the local derivative is s * (1 - s) with s = sigmoid(x), the *output*; you used only s",
                lambda inputs, params, g: {"x": g * _sigmoid(inputs[0])}),
        Mistake("the local derivative is s * (1 - s) with s the output; you applied sigmoid to the output "
                "again (sigmoid(s) * (1 - sigmoid(s)))",
                lambda inputs, params, g: {"x": g * _sigmoid(_sigmoid(inputs[0])) * (1 - _sigmoid(_sigmoid(inputs[0])))}),
        Mistake("the local derivative is s * (1 - s) with s = sigmoid(x), the output; you used the input x "
                "in its place (x * (1 - x))",
                lambda inputs, params, g: {"x": g * inputs[0] * (1 - inputs[0])}),
    ),
    stub=stub_header("sigmoid", "the sigmoid gate, s = 1 / (1 + exp(-x))", GATES) + '''

class Sigmoid(Function):
    def forward(self, x):
        """x: any shape. Returns s = sigmoid(x), computed without overflow."""
        s = np.exp(-np.logaddexp(0.0, -x))
        self.saved = s
        return s

    def backward(self, grad):
        """The sigmoid gate.

        grad: dL/ds, the shape of x. Returns (dx,), dx of x's shape.
        Rule: ds/dx = s * (1 - s), from the output s that forward saved.
        """
        s = self.saved
        raise NotImplementedError("write the backward of sigmoid")
''')


def _relu_cases(rng):
    with_zeros = rng.standard_normal((3, 4))
    with_zeros[0, :2] = 0.0
    with_zeros[2, 3] = 0.0
    return [Case("random inputs", (rng.standard_normal((3, 4)),)),
            Case("zeros in x (the kink)", (with_zeros,), smooth=False)]


RELU = Exercise(
    name="relu", title="the ReLU gate", lesson=GATES, class_name="ReLU",
    input_names=("x",), needs_grad=("x",),
    reference=cr.relu, cases=_relu_cases,
    mistakes=(
        Mistake("at x = 0 the gradient of ReLU is 0 in chainrule and PyTorch: pass the upstream gradient "
                "where x > 0, not x >= 0",
                lambda inputs, params, g: {"x": g * (inputs[0] >= 0)}),
        Mistake("ReLU's local derivative is 1 where x > 0 and 0 elsewhere (a mask), not x itself",
                lambda inputs, params, g: {"x": g * np.maximum(inputs[0], 0)}),
    ),
    stub=stub_header("relu", "the ReLU gate, o = max(0, x)", GATES) + '''

class ReLU(Function):
    def forward(self, x):
        """x: any shape. Returns max(0, x) element by element."""
        self.saved = x
        return np.maximum(x, 0.0)

    def backward(self, grad):
        """The ReLU gate: a max gate against the constant 0.

        grad: dL/do, the shape of x. Returns (dx,), dx of x's shape.
        Rule: do/dx = 1 where x > 0, else 0 (also at x = 0, as in PyTorch).
        """
        x = self.saved
        raise NotImplementedError("write the backward of relu")
''')


def staged_function(x, y):
    """CS231n's staged example on tensors: (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2)."""
    return (x + cr.sigmoid(y)) / (cr.sigmoid(x) + (x + y) ** 2)


def staged_paths(x, y, g):
    """The contributions to dx (through num, sigx, xpy) and to dy (through sigy, xpy)."""
    sigy, sigx, xpy = _sigmoid(y), _sigmoid(x), x + y
    num, den = x + sigy, sigx + xpy ** 2
    dnum = g / den
    dden = -g * num / den ** 2
    dxpy = 2 * xpy * dden
    return {"x": (dnum, sigx * (1 - sigx) * dden, dxpy), "y": (sigy * (1 - sigy) * dnum, dxpy)}


def _fan_out_mistakes():
    """Every strict, non-empty subset of a variable's paths: the gradient of forgetting the rest."""
    names = {"x": ("num", "sigx", "xpy"), "y": ("sigy", "xpy")}
    mistakes = []
    for var, paths in names.items():
        for mask in range(1, 2 ** len(paths) - 1):
            kept = [i for i in range(len(paths)) if mask >> i & 1]
            hint = (f"{var} reaches f along {len(paths)} paths ({', '.join(paths)}); your d{var} has only the "
                    f"contribution through {' and '.join(paths[i] for i in kept)}. Fan-out adds: accumulate "
                    f"d{var} += ... once per path, do not overwrite it")
            mistakes.append(Mistake(hint, lambda inputs, params, g, var=var, kept=kept: {
                var: sum(staged_paths(*inputs, g)[var][i] for i in kept)}))
    return tuple(mistakes)


def _staged_cases(rng):
    worked = (np.array([3.0]), np.array([-4.0]))
    return [Case("the worked example (x = 3, y = -4)", worked), Case("random inputs", two_arrays(rng, (5,)))]


STAGED = Exercise(
    name="staged", title="a staged circuit with fan-out", lesson=WORKED, class_name="Staged",
    input_names=("x", "y"), needs_grad=("x", "y"),
    reference=staged_function, cases=_staged_cases, mistakes=_fan_out_mistakes(),
    stub=stub_header("staged", "f = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2), staged", WORKED) + '''

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class Staged(Function):
    def forward(self, x, y):
        """x, y: arrays of one shape. Computes f in named stages and saves them."""
        sigy = sigmoid(y)
        num = x + sigy
        sigx = sigmoid(x)
        xpy = x + y
        xpysqr = xpy ** 2
        den = sigx + xpysqr
        invden = 1.0 / den
        self.saved = (x, y, sigy, num, sigx, xpy, xpysqr, den, invden)
        return num * invden

    def backward(self, grad):
        """Backpropagate through the stages in reverse order.

        grad: dL/df, the shape of f. Returns (dx, dy), each of its input's shape.
        Rules: multiply swaps, add distributes, d(1/d) = -1/d^2, d(u^2) = 2u,
        sigmoid' = s(1 - s). x and y each reach f along several paths: their gradients
        are sums of one contribution per path (fan-out adds). Mind NumPy's aliasing:
        after `dx = dnum`, `dx += ...` changes dnum too; start from `dx = 0.0`.
        """
        x, y, sigy, num, sigx, xpy, xpysqr, den, invden = self.saved
        raise NotImplementedError("write the backward of staged")
''')

EXERCISES = (ADD, MULTIPLY, MAXIMUM, SIGMOID, RELU, STAGED)
