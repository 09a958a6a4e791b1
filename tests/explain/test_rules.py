"""Formulas show op parameters as the user wrote them, never the op's internals."""
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.explain import draw, trace
from chainrule.explain.rules import shown_params

SVG = "{http://www.w3.org/2000/svg}"


def test_shown_params_drop_defaults_and_internals():
    assert shown_params({"dims": (0,), "keepdim": False}, input_ndim=1) == {}  # sum over every axis
    assert shown_params({"dims": (1,), "keepdim": True}, input_ndim=2) == {"dim": 1, "keepdim": True}
    assert shown_params({"reduction": "sum", "label_smoothing": 0.0}) == {"reduction": "sum"}
    assert shown_params({"running_mean": np.zeros(3), "training": True, "eps": 1e-3}) == {"eps": 1e-3}
    assert shown_params({"stride": (2, 2), "pads": ((1, 1), (0, 0)), "dilation": (1, 1), "groups": 1}) == {
        "stride": 2, "padding": (1, 0)}
    assert shown_params({"shape": (1, 1)}) == {"shape": (1, 1)}


def test_a_cnn_trace_reads_as_written():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.AvgPool2d(2, padding=1, count_include_pad=False), nn.Flatten(), nn.Linear(18, 3))
    loss = nn.functional.cross_entropy(model(cr.randn(2, 1, 8, 8)), cr.tensor([0, 2]))
    text = str(trace(loss, names=model))
    for formula in ("conv2d(input, 0.weight, 0.bias, padding=1)", "batch_norm(t1, 1.weight, 1.bias)",
                    "max_pool2d(relu(t2), kernel_size=2, stride=2)",
                    "avg_pool2d(t3, kernel_size=2, stride=2, padding=1)", "cross_entropy(t6, [0, 2])"):
        assert f"= {formula}" in text
    for leak in ("PoolGeometry", "running_mean", "divisor", "array(["):
        assert leak not in text
    forward = text.split("\n\n")[0].splitlines()[1:]
    assert len({line.index(" = (") if " = (" in line else line.rindex(" = ") for line in forward}) == 1


def test_negation_and_subtraction_are_distinct_gates_with_roles(monkeypatch):
    import shutil

    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "dot" else real_which(name))
    x = cr.tensor(3.0, requires_grad=True, name="x")
    y = cr.tensor(1.0, requires_grad=True, name="y")
    root = __import__("xml.etree.ElementTree", fromlist=["x"]).fromstring(draw(-x + (y - x) / y))
    gates = [next(g.iter(SVG + "text")).text for g in root.iter(SVG + "g") if g.get("class") == "gate"]
    assert sorted(gates) == ["+", "-", "/", "neg"]
    roles = [t.text for t in root.iter(SVG + "text") if t.get("font-style") == "italic"]
    assert sorted(roles) == ["a", "a", "b", "b"]  # a - b and a / b: which operand is which
