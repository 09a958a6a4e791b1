"""Whole-network exercises: BP1-BP4 for a two-layer sigmoid network (docs/math.md, section 2),
Nielsen's two chapter exercises (one modified neuron; linear neurons) and the F-adjoint of the XOR network with the paper's summed cost (section 3)."""
import numpy as np

import chainrule as cr
from chainrule.nn import functional as F

from .checker import MATH, Case, Exercise, Mistake
from .gates import stub_header

FOUR_EQUATIONS = f"{MATH}#2-fully-connected-networks-the-four-equations"
F_ADJOINT = f"{MATH}#3-the-f-propagation-and-its-f-adjoint"


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# A layer's units for the NumPy side: z -> (a, sigma'(z)); and the same units on tensors.
def sigmoid_units(z):
    a = _sigmoid(z)
    return a, a * (1 - a)


def linear_units(z):
    return z, np.ones_like(z)


def modified_units(z):
    """Sigmoid units, except neuron 0, whose output is tanh(z)."""
    a, prime = sigmoid_units(z)
    a[:, 0] = np.tanh(z[:, 0])
    prime[:, 0] = 1 - a[:, 0] ** 2
    return a, prime


def _modified_tensor(z):
    return cr.cat([cr.tanh(z[:, :1]), cr.sigmoid(z[:, 1:])], dim=1)


def _identity(z):
    return z


def network_reference(hidden, output):
    """The quadratic cost, averaged over the batch, of a two-layer network with these units (tensors)."""
    def cost(x, w1, b1, w2, b2, y):
        return F.quadratic_cost(output(F.linear(hidden(F.linear(x, w1, b1)), w2, b2)), y)
    return cost


def four_equations(inputs, g, hidden=sigmoid_units, output=sigmoid_units, mean=True):
    """BP1-BP4 in the batch-as-rows layout for these units (z -> (a, sigma'(z))); a mistake
    is built by passing units with a wrong sigma', or mean=False."""
    x, w1, b1, w2, b2, y = inputs
    a1, prime1 = hidden(x @ w1.T + b1)
    a2, prime2 = output(a1 @ w2.T + b2)
    delta2 = g * (a2 - y) * prime2 / (len(x) if mean else 1)     # BP1
    delta1 = (delta2 @ w2) * prime1                                 # BP2
    return {"w1": delta1.T @ x, "b1": delta1.sum(axis=0), "w2": delta2.T @ a1, "b2": delta2.sum(axis=0)}


def without_prime(units):
    """The same units, with sigma' forgotten (taken as 1)."""
    return lambda z: (units(z)[0], 1.0)


def with_sigmoid_prime(units):
    """The same units, with the sigmoid's a (1 - a) taken as their derivative."""
    def wrong(z):
        a = units(z)[0]
        return a, a * (1 - a)
    return wrong


def _network_cases(rng):
    def case(label, m, sizes):
        n0, n1, n2 = sizes
        return Case(label, (rng.standard_normal((m, n0)), rng.standard_normal((n1, n0)), rng.standard_normal(n1),
                            rng.standard_normal((n2, n1)), rng.standard_normal(n2), np.eye(n2)[rng.integers(0, n2, m)]))
    return [case("random inputs", 4, (3, 5, 2)), case("other sizes", 6, (4, 3, 5))]


def _mistake(hint, **units):
    return Mistake(hint, lambda inputs, params, g: four_equations(inputs, g, **units))


def standard_mistakes(hidden, output):
    """sigma' left out of BP1, of BP2, and the batch mean's 1/m forgotten, for these units."""
    return (_mistake("BP1: delta^L = (a^L - y) (.) sigma'(z^L); you left out sigma'(z^L) at the output layer",
                     hidden=hidden, output=without_prime(output)),
            _mistake("BP2: delta^l = (delta^(l+1) w^(l+1)) (.) sigma'(z^l); you left out sigma'(z^1) in the "
                     "hidden layer", hidden=without_prime(hidden), output=output),
            _mistake("the cost is the mean over the batch of m examples: delta^L carries a factor 1/m",
                     hidden=hidden, output=output, mean=False))


def network_stub(name, title, units_doc, hidden_code, output_code, rule):
    """The stub of a two-layer network exercise: forward given, backward by the four equations."""
    return stub_header(name, title, FOUR_EQUATIONS) + f'''

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class Network(Function):
    def forward(self, x, w1, b1, w2, b2, y):
        """x: (m, n0), a batch of m rows; w1: (n1, n0), b1: (n1,); w2: (n2, n1), b2: (n2,);
        y: (m, n2) one-hot targets.
        {units_doc}
        Returns the quadratic cost C = 1/(2m) * sum over the batch of ||a2 - y||^2 (a scalar)."""
        z1 = x @ w1.T + b1
        {hidden_code}
        z2 = a1 @ w2.T + b2
        {output_code}
        self.saved = (x, w1, w2, y, a1, a2)
        return 0.5 * ((a2 - y) ** 2).sum() / len(x)

    def backward(self, grad):
        """grad: dL/dC, a scalar.
        Returns (None, dw1, db1, dw2, db2, None): the data x and the targets y get no gradient.
        Rules: the four equations, one row per example: BP1 gives delta2 (m, n2) from the
        cost's gradient (a2 - y)/m; BP2 gives delta1 (m, n1); BP3 and BP4 give the biases'
        and weights' gradients, summed over the batch.
        {rule}
        """
        x, w1, w2, y, a1, a2 = self.saved
        raise NotImplementedError("write the backward of {name}")
'''


def network_exercise(name, title, reference, mistakes, stub):
    return Exercise(name=name, title=title, lesson=FOUR_EQUATIONS, class_name="Network",
                    input_names=("x", "w1", "b1", "w2", "b2", "y"), needs_grad=("w1", "b1", "w2", "b2"),
                    reference=reference, cases=_network_cases, mistakes=mistakes, stub=stub)


NETWORK = network_exercise(
    "network", "BP1-BP4 for a two-layer network", network_reference(cr.sigmoid, cr.sigmoid),
    standard_mistakes(sigmoid_units, sigmoid_units),
    network_stub("network", "backpropagation by the four equations, for a whole two-layer network",
                 "Sigmoid units in both layers.", "a1 = sigmoid(z1)", "a2 = sigmoid(z2)",
                 "sigma'(z) = a (1 - a)."))

MODIFIED_NEURON = network_exercise(
    "modified_neuron", "Nielsen's exercise: one modified neuron", network_reference(_modified_tensor, cr.sigmoid),
    (_mistake("neuron 0 of the hidden layer outputs tanh(z), so its sigma'(z) in BP2 is f'(z) = 1 - tanh(z)^2; "
              "you used the sigmoid's a (1 - a) for it", hidden=with_sigmoid_prime(modified_units)),
     *standard_mistakes(modified_units, sigmoid_units)),
    network_stub("modified_neuron", "Nielsen's exercise: backpropagation with a single modified neuron",
                 "Sigmoid units, except neuron 0 of the hidden layer, whose output is f(z) = tanh(z).",
                 "a1 = sigmoid(z1)\n        a1[:, 0] = np.tanh(z1[:, 0])  # the modified neuron",
                 "a2 = sigmoid(z2)",
                 "How do the equations change for the modified neuron? (tanh' = 1 - tanh^2)"))

LINEAR_NETWORK = network_exercise(
    "linear_network", "Nielsen's exercise: linear neurons", network_reference(_identity, _identity),
    (_mistake("with sigma(z) = z everywhere, sigma'(z) = 1: there is no a (1 - a) factor in BP1 or BP2",
              hidden=with_sigmoid_prime(linear_units), output=with_sigmoid_prime(linear_units)),
     standard_mistakes(linear_units, linear_units)[2]),  # sigma' = 1: leaving it out changes nothing
    network_stub("linear_network", "Nielsen's exercise: backpropagation with linear neurons",
                 "Linear units everywhere: sigma(z) = z.", "a1 = z1", "a2 = z2",
                 "Rewrite the equations for sigma(z) = z."))


def fadjoint_reference(W1, W2, X0, target):
    """The paper's cost J = 1/2 sum over examples ||X^2 - target||^2 for columns X0, biases folded in."""
    ones = cr.ones((1, X0.shape[1]), dtype=X0.dtype)
    X1 = cr.cat([cr.sigmoid(W1 @ cr.cat([X0, ones], dim=0)), ones], dim=0)
    return 0.5 * cr.sum((cr.sigmoid(W2 @ X1) - target) ** 2)


def f_adjoint(inputs, g, prime=True, mean=False):
    """dJ/dW^1, dJ/dW^2 by the F-adjoint, each factor optional (to build the classic mistakes)."""
    W1, W2, X0, target = inputs
    ones = np.ones((1, X0.shape[1]))
    X0 = np.vstack([X0, ones])
    X1 = np.vstack([_sigmoid(W1 @ X0), ones])
    X2 = _sigmoid(W2 @ X1)
    Y2_star = g * (X2 - target) * (X2 * (1 - X2) if prime else 1) / (X0.shape[1] if mean else 1)
    Y1_star = (W2[:, :-1].T @ Y2_star) * (X1[:-1] * (1 - X1[:-1]) if prime else 1)
    return {"W1": Y1_star @ X0.T, "W2": Y2_star @ X1.T}


def _fadjoint_cases(rng):
    xor = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    return [Case("XOR, 2 hidden units", (rng.standard_normal((2, 3)), rng.standard_normal((1, 3)), xor,
                                          np.array([[0.0, 1.0, 1.0, 0.0]]))),
            Case("other sizes", (rng.standard_normal((4, 4)), rng.standard_normal((2, 5)),
                                 rng.standard_normal((3, 5)), rng.uniform(0, 1, (2, 5))))]


def _fadjoint_shape_hint(name, got, expected):
    if len(got) == 2 and got == (expected[0], expected[1] - 1):
        return (f"d{name} has one column too few: X^(l-1) includes its constant component 1, whose column of "
                f"d{name} is the bias's gradient")
    return None


FADJOINT = Exercise(
    name="fadjoint", title="the F-adjoint of the XOR network", lesson=F_ADJOINT, class_name="FAdjoint",
    input_names=("W1", "W2", "X0", "target"), needs_grad=("W1", "W2"),
    reference=fadjoint_reference, cases=_fadjoint_cases, shape_hint=_fadjoint_shape_hint,
    mistakes=(
        Mistake("the paper's cost J is a sum over the examples, not a mean: X*^2 = X^2 - target, no 1/m",
                lambda inputs, params, g: f_adjoint(inputs, g, mean=True)),
        Mistake("Y*^l = X*^l (.) sigma'(Y^l): you left out sigma'(Y^l)",
                lambda inputs, params, g: f_adjoint(inputs, g, prime=False)),
    ),
    stub=stub_header("fadjoint", "the F-propagation's adjoint (Boughammoura), on the XOR network", F_ADJOINT) + '''

def sigmoid(y):
    return 1 / (1 + np.exp(-y))


class FAdjoint(Function):
    def forward(self, W1, W2, X0, target):
        """The F-propagation, one example per column, biases folded into the weights:
        W1: (n1, n0 + 1), W2: (n2, n1 + 1), each with its bias as the last column;
        X0: (n0, m) inputs; target: (n2, m). Every X fed to a layer gets a last row of ones.
        Returns J = 1/2 * sum over the examples of ||X2 - target||^2 (a sum, as in the paper)."""
        ones = np.ones((1, X0.shape[1]))
        X0 = np.vstack([X0, ones])
        Y1 = W1 @ X0
        X1 = np.vstack([sigmoid(Y1), ones])
        Y2 = W2 @ X1
        X2 = sigmoid(Y2)
        self.saved = (W1, W2, X0, X1, X2, target)
        return 0.5 * ((X2 - target) ** 2).sum()

    def backward(self, grad):
        """grad: dL/dJ, a scalar. Returns (dW1, dW2, None, None), of W1's and W2's shapes.
        Rules: the F-adjoint from X*^2 = dJ/dX^2: Y*^l = X*^l (.) sigma'(Y^l) and
        X*^(l-1) = (W#^l)^T Y*^l, where W#^l is W^l without its bias column; then the
        theorem: dJ/dW^l = Y*^l (X^(l-1))^T. sigma'(Y) = X (1 - X) without the row of ones.
        """
        W1, W2, X0, X1, X2, target = self.saved
        raise NotImplementedError("write the backward of fadjoint")
''')

EXERCISES = (NETWORK, MODIFIED_NEURON, LINEAR_NETWORK, FADJOINT)
