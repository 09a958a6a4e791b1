import math

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.data import DataLoader, TensorDataset
from chainrule.explain import doctor
from chainrule.nn import functional as F


def loader(n=40, features=6, classes=4):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, features)).astype(np.float32)
    return DataLoader(TensorDataset(x, rng.integers(0, classes, n)), batch_size=16)


def small_model(seed=0):
    cr.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4))


def test_a_healthy_model_passes_every_check_with_its_number(capsys):
    model = small_model()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    report = doctor(model, loader(), F.cross_entropy, lr=0.01)
    assert report.ok, str(report)
    assert [c.name for c in report.checks] == ["initial loss", "overfit", "gradients", "update/weight ratio"]
    assert abs(report["initial loss"].value - math.log(4)) < 0.2 * math.log(4)
    assert report["overfit"].value < 0.05
    assert 1e-4 <= report["update/weight ratio"].value <= 1e-2
    printed = capsys.readouterr().out
    assert printed.count("PASS") == 4 and f"ln 4 = {math.log(4):.4f}" in printed
    html = report._repr_html_()  # a notebook shows the report's table
    assert html.startswith("<pre") and html.count("PASS") == 4
    for key, value in model.state_dict().items():  # the model itself is untouched
        np.testing.assert_array_equal(value, before[key])
    assert all(p.grad is None for p in model.parameters())


def test_failures_are_reported_with_the_number_behind_them():
    model = small_model()
    with cr.no_grad():
        model[3].weight.data[...] *= 50  # overconfident at initialisation
    unused = nn.Linear(2, 2)
    model.add_module("4", nn.Identity())
    model[0].register_parameter("extra", unused.weight)  # never used in forward
    report = doctor(model, loader(), F.cross_entropy, lr=10.0, verbose=False)
    assert not report.ok
    assert report["initial loss"].passed is False and report["initial loss"].value > 2 * math.log(4)
    assert report["gradients"].passed is False and "0.extra has no gradient" in report["gradients"].detail
    ratio = report["update/weight ratio"]
    assert ratio.passed is False and ratio.value > 1e-2 and "too high" in ratio.detail
    assert "FAIL  initial loss" in str(report)


def test_losses_without_a_known_initial_value_are_skipped_unless_given():
    model = nn.Sequential(nn.Linear(6, 4), nn.Sigmoid())
    report = doctor(model, loader(), F.quadratic_cost, verbose=False)
    assert report["initial loss"].passed is None and "SKIP" in str(report)
    report = doctor(model, loader(), F.quadratic_cost, expected_loss=10.0, verbose=False)
    assert report["initial loss"].passed is False
