"""The whole-network exercises: BP1-BP4 and the F-adjoint; each classic mistake gets its hint."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import learn, nn
from chainrule.explain.fadjoint import fadjoint
from chainrule.learn.network import f_adjoint, four_equations, linear_units, modified_units

from .answers import assert_feedback


@pytest.mark.parametrize("name", [e.name for e in learn.network.EXERCISES])
def test_the_reference_answer_passes(name, learner_op):
    report = learn.check_op(learn.exercise(name), learner_op(name))
    assert report.passed, str(report)


PLANTED = [
    ("network", ("* a2 * (1 - a2) / len(x)", "/ len(x)"), ["dw1 is wrong", "BP1: delta^L = (a^L - y) (.) sigma'(z^L)"]),
    ("network", ("(delta2 @ w2) * a1 * (1 - a1)", "(delta2 @ w2)"), ["dw1 is wrong", "you left out sigma'(z^1) in the hidden layer"]),
    ("network", ("(delta2 @ w2)", "(delta2 @ w2.T)"), ["backward raised ValueError", "shapes: grad (); x (4, 3), w1 (5, 3)"]),
    ("network", ("delta2.T @ a1", "a1.T @ delta2"), ["dw2 has shape (5, 2), but w2 has shape (2, 5): it is the transpose"]),
    ("network", ("delta2.sum(axis=0), None", "delta2, None"), ["db2 has shape (4, 2), but b2 has shape (2,)", "summed over those axes"]),
    ("network", (" / len(x)", ""), ["delta^L carries a factor 1/m"]),
    ("network", ("(a2 - y)", "(y - a2)"), ["a sign error"]),
    ("modified_neuron", ("prime1[:, 0] = 1 - a1[:, 0] ** 2", "pass"),
     ["dw1 is wrong", "its sigma'(z) in BP2 is f'(z) = 1 - tanh(z)^2; you used the sigmoid's a (1 - a)"]),
    ("modified_neuron", ("delta1 = (delta2 @ w2) * prime1", "delta1 = delta2 @ w2"),
     ["you left out sigma'(z^1)"]),
    ("modified_neuron", ("* a2 * (1 - a2) / len(x)", "/ len(x)"), ["you left out sigma'(z^L) at the output layer"]),
    ("modified_neuron", (" / len(x)", ""), ["delta^L carries a factor 1/m"]),
    ("linear_network", ("grad * (a2 - y) / len(x)", "grad * (a2 - y) * a2 * (1 - a2) / len(x)"),
     ["with sigma(z) = z everywhere, sigma'(z) = 1"]),
    ("linear_network", ("grad * (a2 - y) / len(x)", "grad * (a2 - y)"), ["delta^L carries a factor 1/m"]),
    ("fadjoint", ("grad * (X2 - target)", "grad * (X2 - target) / X2.shape[1]"),
     ["case 'XOR, 2 hidden units'", "the paper's cost J is a sum over the examples, not a mean"]),
    ("fadjoint", ("Y2_star = X2_star * X2 * (1 - X2)", "Y2_star = X2_star"), ["you left out sigma'(Y^l)"]),
    ("fadjoint", ("Y1_star @ X0.T", "Y1_star @ X0[:-1].T"),
     ["dW1 has shape (2, 2), but W1 has shape (2, 3): dW1 has one column too few"]),
    ("fadjoint", ("W2[:, :-1].T", "W2.T"), ["backward raised ValueError"]),
]


@pytest.mark.parametrize("name, bug, words", PLANTED, ids=[f"{p[0]}-{i}" for i, p in enumerate(PLANTED)])
def test_a_planted_mistake_fails_with_its_hint(name, bug, words, learner_op):
    assert_feedback(learner_op(name, replace=bug), name, words)


def test_the_mistake_builders_give_the_right_gradients_with_every_factor_in():
    """four_equations and f_adjoint with no factor left out equal chainrule's engine."""
    builders = [("network", four_equations), ("fadjoint", f_adjoint),
                ("modified_neuron", lambda inputs, g: four_equations(inputs, g, hidden=modified_units)),
                ("linear_network", lambda inputs, g: four_equations(inputs, g, linear_units, linear_units))]
    for name, builder in builders:
        exercise = learn.exercise(name)
        for case in exercise.cases(np.random.default_rng(0)):
            expected = learn.checker.engine_gradients(exercise, case, np.array(1.7))
            got = builder(case.inputs, 1.7)
            for param in exercise.needs_grad:
                np.testing.assert_allclose(got[param], expected[param], rtol=1e-12, atol=1e-14)


def test_the_fadjoint_exercise_agrees_with_explain_fadjoint_on_one_example():
    """The exercise's cost of one column is explain.fadjoint's per-example cost: same gradients."""
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
    x, y = np.array([1.0, 0.0]), np.array([1.0])
    result = fadjoint(model, x, y)
    W1 = np.concatenate([np.asarray(model[0].weight), np.asarray(model[0].bias)[:, None]], axis=1)
    W2 = np.concatenate([np.asarray(model[2].weight), np.asarray(model[2].bias)[:, None]], axis=1)
    grads = f_adjoint((W1, W2, x[:, None], y[:, None]), 1.0)
    np.testing.assert_allclose(grads["W1"][:, :-1], result.grads["0.weight"], rtol=1e-12)
    np.testing.assert_allclose(grads["W2"][:, -1], result.grads["2.bias"], rtol=1e-12)


def test_a_hint_is_given_once_per_case(learner_op):
    op = learner_op("network", replace=("* a2 * (1 - a2) / len(x)", "/ len(x)"))
    text = str(learn.check_op(learn.exercise("network"), op))
    assert text.count("hint: BP1:") == 1 and text.count("(the same mistake)") == 3
