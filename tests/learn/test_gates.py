"""The gate exercises: each reference answer passes; each classic mistake fails with its hint."""
import pytest

from chainrule import learn

from .answers import SOLUTIONS, assert_feedback


@pytest.mark.parametrize("name", [e.name for e in learn.gates.EXERCISES])
def test_the_reference_answer_passes(name, learner_op):
    report = learn.check_op(learn.exercise(name), learner_op(name))
    assert report.passed, str(report)
    assert str(report).startswith(f"{name} (") and ": PASSED (" in str(report)


# (exercise, (text of the answer, planted bug), words the feedback must contain)
PLANTED = [
    ("add", ("return grad, grad", "return grad, -grad"), ["dy is wrong in 12 of 12 elements", "a sign error"]),
    ("add", ("return grad, grad", "return np.ones_like(grad), np.ones_like(grad)"),
     ["dx is wrong", "you forgot to multiply by the upstream gradient"]),
    ("add", ("return grad, grad", "return grad"), ["backward returned one value; the op has 2 inputs (x, y)"]),
    ("multiply", ("grad * y, grad * x", "grad * x, grad * y"), ["dx is wrong", "the multiply gate swaps"]),
    ("multiply", ("grad * y, grad * x", "y, x"), ["you forgot to multiply by the upstream gradient"]),
    ("multiply", ("grad * y, grad * x", "grad * y, 2 * grad * x"), ["dy is wrong", "every element is 2 times"]),
    ("max", ("np.where(tie, 0.5, x > y), grad * np.where(tie, 0.5, y > x)", "(x >= y), grad * (y >= x)"),
     ["case 'ties (x == y in 5 places)'", "at a tie (x == y) you send the whole upstream gradient to both inputs"]),
    ("max", ("np.where(tie, 0.5, x > y), grad * np.where(tie, 0.5, y > x)", "(x >= y), grad * (y > x)"),
     ["to x; chainrule, like PyTorch's torch.maximum, gives each input half"]),
    ("max", ("np.where(tie, 0.5, x > y), grad * np.where(tie, 0.5, y > x)", "(x > y), grad * (y >= x)"),
     ["to y; chainrule, like PyTorch's torch.maximum, gives each input half"]),
    ("max", ("np.where(tie, 0.5, x > y), grad * np.where(tie, 0.5, y > x)", "(x > y), grad * (y > x)"),
     ["you send nothing to either input"]),
    ("max", ("x > y), grad * np.where(tie, 0.5, y > x)", "x < y), grad * np.where(tie, 0.5, y < x)"),
     ["the max gate routes: the upstream gradient goes to the larger input"]),
    ("sigmoid", ("grad * s * (1 - s)", "grad * s"), ["you used only s"]),
    ("sigmoid", ("grad * s * (1 - s)", "grad * (1 / (1 + np.exp(-s))) * (1 - 1 / (1 + np.exp(-s)))"),
     ["you applied sigmoid to the output again"]),

    ("sigmoid", ("grad * s * (1 - s)", "s * (1 - s)"), ["you forgot to multiply by the upstream gradient"]),
    ("relu", ("(x > 0)", "(x >= 0)"), ["case 'zeros in x (the kink)'", "pass the upstream gradient where x > 0, not x >= 0"]),
    ("relu", ("(x > 0)", "np.maximum(x, 0)"), ["a mask), not x itself"]),
    ("sigmoid", ("return (grad * s * (1 - s),)",
                 'with np.errstate(all="ignore"):  # s = 1 when saturated\n'
                 "    x = np.log(s / (1 - s))\nreturn (grad * x * (1 - x),)"),
     ["you used the input x in its place"]),
    ("staged", ("dx += dxpy", "dx += 0"), ["dx is wrong", "x reaches f along 3 paths (num, sigx, xpy); your dx has only "
                                      "the contribution through num and sigx. Fan-out adds"]),
    ("staged", ("dx += dnum", "dx += 0"),
     ["your dx has only the contribution through sigx and xpy"]),
    ("staged", ("dy += dxpy", "dy = dxpy"), ["dy is wrong", "your dy has only the contribution through xpy"]),
    ("staged", ("dy += dxpy", "dy += 0"), ["your dy has only the contribution through sigy"]),
]
# Every other way to keep only some of x's three paths (num, sigx, xpy), leaving the others out.
PATHS = {"num": "dx += dnum", "sigx": "dx += sigx * (1 - sigx) * dsigx", "xpy": "dx += dxpy"}
for kept in (["num"], ["sigx"], ["xpy"], ["num", "xpy"]):
    body = SOLUTIONS["staged"]
    for path, line in PATHS.items():
        if path not in kept:
            body = body.replace(line, "dx += 0")
    PLANTED.append(("staged", (SOLUTIONS["staged"], body),
                    [f"your dx has only the contribution through {' and '.join(kept)}. Fan-out adds"]))


@pytest.mark.parametrize("name, bug, words", PLANTED, ids=[f"{p[0]}-{i}" for i, p in enumerate(PLANTED)])
def test_a_planted_mistake_fails_with_its_hint(name, bug, words, learner_op):
    assert_feedback(learner_op(name, replace=bug), name, words)


def test_a_wrong_element_is_named_with_expected_and_got(learner_op):
    report = learn.check_op(learn.exercise("multiply"), learner_op("multiply", body="""
        dx = grad * y
        dx[1, 2] += 1.0
        return dx, grad * x"""))
    text = str(report)
    assert "dx is wrong in 1 of 12 elements" in text
    assert report.problems[0].startswith("dx is wrong in 1 of 12 elements\n  at (1, 2): expected ")
    expected = report.results[0].case.inputs[1][1, 2]  # dx = grad * y there: check the numbers printed
    line = next(line for line in text.splitlines() if line.strip().startswith("at (1, 2): expected"))
    assert "(chainrule's engine; finite differences: " in line and ", got " in line
    printed_expected = float(line.split("expected ")[1].split(" ")[0])
    printed_got = float(line.split(", got ")[1])
    assert printed_got == pytest.approx(printed_expected + 1.0, abs=1e-5)
    assert expected != 0


def test_at_a_kink_finite_differences_are_not_quoted(learner_op):
    text = str(learn.check_op(learn.exercise("relu"), learner_op("relu", replace=("(x > 0)", "(x >= 0)"))))
    assert "(chainrule's engine), got" in text


def test_a_transposed_gradient_is_named(learner_op):
    # x and y of shape (3, 4): a transposed dx has shape (4, 3)
    text = str(learn.check_op(learn.exercise("add"), learner_op("add", body="return grad.T, grad")))
    assert "dx has shape (4, 3), but x has shape (3, 4): it is the transpose of the right shape" in text


def test_an_error_in_backward_names_the_line_of_the_learners_file(learner_op):
    op = learner_op("multiply", body="return grad * z, grad * x")
    text = str(learn.check_op(learn.exercise("multiply"), op))
    assert "backward raised NameError: name 'z' is not defined (line " in text
    assert "multiply.py: return grad * z, grad * x)" in text


def test_staged_reference_matches_the_worked_example():
    from chainrule.learn.gates import staged_paths
    import numpy as np
    paths = staged_paths(np.array(3.0), np.array(-4.0), 1.0)
    assert sum(paths["x"]) == pytest.approx(2.0595697956, abs=1e-9)
    assert sum(paths["y"]) == pytest.approx(1.5922327515, abs=1e-9)
