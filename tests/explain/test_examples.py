import numpy as np
import pytest

from chainrule.explain.examples import EXAMPLES, example, load_digit, mnist_mlp

from .test_trace import forward_value, gradient_line

DOC = 1e-9  # docs/math.md's numbers, to its ten decimals


def test_example_one_circuit():
    ex = example("circuit")
    assert ex.values == pytest.approx(
        {"q": 3, "f": -12, "df/dz": 3, "df/dq": -4, "df/dx": -4, "df/dy": -4}, abs=DOC
    )
    text = str(ex)
    assert forward_value(text, "q") == 3 and forward_value(text, "f") == -12


def test_example_two_sigmoid_neuron():
    ex = example("neuron", digits=None)  # every digit in the text
    v = ex.values
    assert v["dot"] == pytest.approx(1, abs=DOC)
    assert v["f"] == pytest.approx(0.7310585786, abs=DOC)
    assert v["d(dot)"] == pytest.approx(0.1966119332, abs=DOC)
    np.testing.assert_allclose(v["df/dx"], [0.3932238665, -0.5898357997], rtol=0, atol=DOC)
    np.testing.assert_allclose(v["df/dw"], [-0.1966119332, -0.3932238665, 0.1966119332], rtol=0, atol=DOC)
    text = str(ex)
    assert forward_value(text, "f") == pytest.approx(0.7310585786, abs=DOC)
    for name, expected in (("x0", 0.3932238665), ("x1", -0.5898357997), ("w0", -0.1966119332),
                           ("w1", -0.3932238665), ("w2", 0.1966119332)):
        assert gradient_line(text, "f", name) == pytest.approx(expected, abs=DOC)
    assert "df/dx = [0.3932238665, -0.5898357997]" in text


def test_example_three_staged_function():
    ex = example("staged", digits=None)
    assert ex.values == pytest.approx({"f": 1.5456448841, "df/dx": 2.0595697956, "df/dy": 1.5922327515}, abs=DOC)
    names = [r["name"] for r in ex.trace.records if r["phase"] == "forward" and r["op"] != "input"]
    assert names == ["sigy", "num", "sigx", "xpy", "xpysqr", "den", "invden", "f"]
    text = str(ex)
    assert forward_value(text, "f") == pytest.approx(1.5456448841, abs=DOC)
    assert gradient_line(text, "f", "x") == pytest.approx(2.0595697956, abs=DOC)
    assert gradient_line(text, "f", "y") == pytest.approx(1.5922327515, abs=DOC)


def test_the_trace_shows_four_significant_digits_by_default():
    lines = str(example("staged")).splitlines()
    assert "  sigy   = sigmoid(y)     = 0.01799" in lines and "  f      = num * invden   = 1.546" in lines
    assert "  df/dx = 2.06" in lines and "  df/dy = 1.592" in lines
    assert "  df/dx = 2.0595697955721652" in str(example("staged", digits=None)).splitlines()
    assert "  df/dx = 2.1" in str(example("staged", digits=2)).splitlines()


def test_neuron_gate_by_gate_equals_the_neuron():
    gates, neuron = example("neuron-gates").values, example("neuron").values
    assert gates["f"] == pytest.approx(neuron["f"], abs=1e-15)
    np.testing.assert_allclose(gates["df/dw"], neuron["df/dw"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(gates["df/dx"], neuron["df/dx"], rtol=0, atol=1e-15)


def test_mnist_mlp_four_equations_match_autograd(mnist_dir):
    ex = mnist_mlp(mnist_dir)
    assert ex.values["max_difference"] < 1e-12
    assert "real MNIST" in "\n".join(ex.summary)
    assert ex.values["label"] == 7  # the first MNIST test image is a 7


def test_synthetic_digit_without_mnist(tmp_path):
    image, label, source = load_digit(tmp_path)
    assert image.shape == (784,) and label == 7 and "synthetic" in source
    assert 0 <= image.min() and image.max() <= 1 and image.sum() > 20
    np.testing.assert_array_equal(image, load_digit(tmp_path)[0])  # deterministic


def test_unknown_example_names_the_choices():
    with pytest.raises(ValueError, match="circuit"):
        example("nope")
    assert {"circuit", "neuron", "staged", "mnist-mlp"} <= set(EXAMPLES)


def test_convolution_example_matches_the_math_doc_formulas():
    from chainrule.explain.examples import correlate

    ex = example("convolution")
    assert ex.values["max_difference"] < 1e-12
    x = np.array([[1, 2, 0, -1, 1], [0, 1, 3, 1, 0], [2, -1, 1, 0, 2], [1, 0, -2, 1, 1], [0, 1, 1, 2, -1]])
    w = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]])
    y = correlate(x[None, None].astype(float), w[None, None].astype(float))[0, 0] - 1  # conv2d + b
    a = np.maximum(y, 0)
    p = np.array([[a[i:i + 2, j:j + 2].max() for j in range(2)] for i in range(2)])
    assert ex.values["L"] == pytest.approx(np.sum(p * [[1, -1], [2, 0.5]]), abs=1e-12)
    assert ex.values["db"] == pytest.approx([ex.values["dy"].sum()], abs=1e-12)
    text = str(ex)
    assert "dx = full convolution of dy with w rotated 180 deg" in text
    assert "    da (1x1x3x3) += route_to_max(dp (1x1x2x2)) = (1x1x3x3) [" not in text  # (listed: 9 > 6)
    assert "    da (1x1x3x3) += route_to_max(dp (1x1x2x2)) = (1x1x3x3) min -1 max 2 mean|.| 0.5 zeros 56%" in text.splitlines()
