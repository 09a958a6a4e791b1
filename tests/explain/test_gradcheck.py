import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import Function
from chainrule.explain import gradcheck_model
from chainrule.explain.gradcheck import first_wrong_op, verdict
from chainrule.nn import functional as F
from chainrule.random import get_rng_state


class BuggyCube(Function):
    """x^3 with a planted bug in backward."""

    def forward(self, x):
        self.saved = x
        return x ** 3

    def backward(self, grad):
        return (grad * 2 * self.saved ** 2,)  # planted bug: d x^3 / dx is 3 x^2


class BuggyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 5)
        self.fc2 = nn.Linear(5, 3)

    def forward(self, x):
        return self.fc2(BuggyCube.apply(cr.tanh(self.fc1(x))))


def data(n=6, shape=(4,)):
    rng = np.random.default_rng(0)
    return cr.tensor(rng.standard_normal((n,) + shape).astype(np.float32)), cr.tensor(np.arange(n) % 3)


def test_catches_the_planted_bug_and_names_the_op():
    cr.manual_seed(0)
    x, y = data()
    report = gradcheck_model(BuggyNet(), x, y, F.cross_entropy)
    assert not report.ok
    assert report["fc1.weight"].verdict == "wrong" and report["fc1.bias"].verdict == "wrong"
    assert report["fc2.weight"].passed and report["fc2.bias"].passed  # downstream of the bug
    assert report.culprit.op == "buggycube" and report.culprit.input == 0
    assert report.culprit.position == 3  # linear, tanh, then the cube
    text = str(report)
    assert "result: FAIL" in text and "buggycube" in text and "wrong" in text


def test_a_cnn_passes_and_the_model_is_left_untouched():
    cr.manual_seed(0)
    x, y = data(4, (1, 8, 8))
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(48, 3),
    )
    before = {k: v.copy() for k, v in model.state_dict().items()}
    rng_before = get_rng_state()
    report = gradcheck_model(model, x, y, F.cross_entropy)
    assert report.ok, str(report)
    assert report.culprit is None
    assert [r.name for r in report.rows] == [name for name, _ in model.named_parameters()]
    assert all(r.max_rel_error < 1e-4 for r in report.rows)
    assert report["6.weight"].checked == 20  # 144 elements: a sample
    for key, value in model.state_dict().items():
        assert value.dtype == before[key].dtype
        np.testing.assert_array_equal(value, before[key])
    assert get_rng_state() == rng_before


def test_a_check_straddling_a_relu_kink_is_a_warning_not_a_failure():
    first = nn.Linear(2, 2)
    with cr.no_grad():
        first.weight.data[...] = 0
        first.bias.data[...] = 0  # every pre-activation exactly at the kink
    model = nn.Sequential(first, nn.ReLU(), nn.Linear(2, 3))
    x, y = data(3, (2,))
    report = gradcheck_model(model, x, y, F.cross_entropy)
    assert report.ok
    assert report["0.weight"].kinks == 4 and report["0.bias"].kinks == 2
    assert any("kink of relu" in w for w in report.warnings)


def test_a_tie_in_a_max_pooling_window_is_a_kink_not_a_failure():
    conv = nn.Conv2d(2, 1, 1)
    with cr.no_grad():
        conv.weight.data[...] = 1
        conv.bias.data[...] = 0
    model = nn.Sequential(conv, nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1, 2))
    # pixels (1, 0) and (0, 1) both give 1: +eps and -eps on weight 0 pick different maxima
    x = cr.tensor([[[[1.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]]]])
    report = gradcheck_model(model, x, cr.tensor([0]), F.cross_entropy)
    assert report.ok and report["0.weight"].kinks == 2  # both weights sit on the tie
    assert any("kink of maxpool2d" in w for w in report.warnings)


class MaxOfTwo(nn.Module):
    def __init__(self, reduce):
        super().__init__()
        self.fc, self.reduce = nn.Linear(2, 2), reduce

    def forward(self, x):
        h = self.fc(x)
        top = cr.max(h) if self.reduce == "max" else cr.maximum(h[:, 0], h[:, 1])
        return top.reshape(1, 1) * cr.tensor([[1.0, -1.0]])


@pytest.mark.parametrize("reduce", ["max", "maximum"])
def test_ties_of_max_are_kinks(reduce):
    model = MaxOfTwo(reduce)
    with cr.no_grad():
        model.fc.weight.data[...] = 1
        model.fc.bias.data[...] = 0
    report = gradcheck_model(model, cr.tensor([[1.0, 0.0]]), cr.tensor([0]), F.cross_entropy)
    assert report.ok and report["fc.weight"].kinks == 2 and report["fc.bias"].kinks == 2
    assert any(f"kink of {reduce}" in w for w in report.warnings)


def test_first_wrong_op_on_a_graph():
    x = cr.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    good = cr.sum(cr.sigmoid(x * 3) ** 2)
    assert first_wrong_op(good) is None
    bad = cr.sum(cr.exp(BuggyCube.apply(cr.sigmoid(x))))
    found = first_wrong_op(bad)
    assert (found.op, found.position) == ("buggycube", 2)


@pytest.mark.parametrize("error, band", [(1e-9, "excellent"), (1e-5, "acceptable"),
                                         (1e-3, "suspicious"), (0.5, "wrong")])
def test_cs231n_bands(error, band):
    assert verdict(error) == band
