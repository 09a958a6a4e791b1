"""gradcheck: central differences in float64, the report, and failure on a wrong backward."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, GradcheckError, GradcheckReport, gradcheck


class WrongExp(Function):
    """e^x with a deliberately wrong backward (twice the true gradient)."""

    __slots__ = ()

    def forward(self, x):
        self.saved = np.exp(x)
        return self.saved

    def backward(self, grad):
        return (2 * grad * self.saved,)


def test_report_per_input_for_a_correct_function():
    rng = np.random.default_rng(0)
    report = gradcheck(lambda a, b: cr.tanh(a @ b), (rng.standard_normal((2, 3)), rng.standard_normal(3)))
    assert isinstance(report, GradcheckReport) and report.ok
    assert report.passed == [True, True] and report.positions == [0, 1]
    assert all(err < 1e-6 for err in report.max_rel_errors)
    assert report.analytic[0].shape == (2, 3) and report.numeric[1].shape == (3,)
    text = str(report)
    assert "max rel error" in text and text.count("ok") == 2


def test_a_wrong_backward_raises_with_the_report():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: WrongExp.apply(x), (np.array([0.1, -0.4, 0.7]),))
    report = info.value.report
    assert report.passed == [False]
    np.testing.assert_allclose(report.max_rel_errors[0], 0.5, rtol=1e-6)  # |2n - n| / |2n|
    np.testing.assert_allclose(report.analytic[0], 2 * report.numeric[0], rtol=1e-6)
    assert "FAIL" in str(info.value) and "gradcheck failed" in str(info.value)


def test_relative_error_formula():
    """|a - n| / max(|a|, |n|, tiny), reported for the worst element."""
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x * x.detach(), (np.array([1.0, 2.0]),))  # analytic x, numeric 2x
    np.testing.assert_allclose(info.value.report.max_rel_errors, [0.5], rtol=1e-6)


def test_inputs_are_checked_in_float64_and_left_untouched():
    x = cr.tensor([0.5, 1.5], requires_grad=True)  # float32
    seen = []
    gradcheck(lambda t: seen.append(t.dtype) or t * t, (x,))
    assert set(seen) == {np.dtype(np.float64)}
    assert x.grad is None and x.dtype == np.float32


def test_non_floating_inputs_pass_through_unchanged():
    index = np.array([0, 2, 2])
    report = gradcheck(lambda x, i: (x[i] * 2).sum(), (np.arange(4.0), index))
    assert report.positions == [0]
    analytic = report.analytic[0]  # of the projected scalar: w * [2, 0, 4, 0]
    np.testing.assert_allclose(analytic, analytic[0] * np.array([1.0, 0.0, 2.0, 0.0]), rtol=1e-12)


def test_clear_errors_for_misuse():
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda x: 1.0, (np.ones(2),))
    with pytest.raises(ValueError, match="no floating-point input"):
        gradcheck(lambda i: cr.tensor([1.0]), (np.array([1, 2]),))
    with pytest.raises(ValueError, match="does not depend"):
        gradcheck(lambda x: x.detach(), (np.ones(2),))
