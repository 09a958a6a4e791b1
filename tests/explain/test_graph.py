import numpy as np
import pytest

from chainrule.explain.examples import synthetic_digit
from chainrule.explain.graph import format_number, format_value


@pytest.mark.parametrize("value, digits, text", [
    (0.19661193324148185, 4, "0.1966"),
    (0.19661193324148185, None, "0.19661193324148185"),
    (-0.5344466, 2, "-0.53"),
    (12345.678, 4, "12350"),
    (3.0, 4, "3"),
    (np.int64(784), 2, "784"),
    (3.14159e-7, 4, "3.142e-07"),
    (2e6 + 0.5, 4, "2e+06"),
    (np.float32(0.1), None, "0.1"),   # float32 without float64 noise
    (float("inf"), 4, "inf"),
])
def test_format_number(value, digits, text):
    assert format_number(value, digits) == text


def test_small_arrays_are_listed_large_ones_summarised():
    assert format_value(np.array([1.0, -2.5, 1 / 3])) == "(3) [1, -2.5, 0.3333]"
    digit = synthetic_digit()
    zeros = round(100 * np.mean(digit == 0))
    mean = format_number(np.abs(digit).mean(), 4)
    assert format_value(digit) == f"(784) min 0 max 1 mean|.| {mean} zeros {zeros}%"
    # a gradient that is 0 on the border is not a zero gradient: its mean |.| says so
    grad = np.zeros((30, 784))
    grad[:, 300] = 0.5
    assert format_value(grad) == "(30x784) min 0 max 0.5 mean|.| 0.0006378 zeros 99.9%"
    assert format_value(np.array([np.nan] * 7)) == "(7) non-finite 7"
    assert format_value(np.zeros(8)) == "(8) min 0 max 0 mean|.| 0 zeros 100%"
