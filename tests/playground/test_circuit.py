import numpy as np
import pytest

from chainrule.explain import examples
from chainrule.explain.expression import parse


@pytest.mark.parametrize("name", ["circuit", "neuron", "staged"])
def test_example_gradients_are_chainrules_backward(post, name):
    reply = post("/api/circuit", {"example": name})
    ex = getattr(examples, name)()  # builds the graph and runs chainrule's backward
    expected = ex.trace.gradients
    assert reply["gradients"].keys() == expected.keys()
    for key, grad in expected.items():
        assert reply["gradients"][key] == pytest.approx(grad, abs=1e-12)
    assert reply["text"] == str(ex.trace)


@pytest.mark.parametrize("name", ["circuit", "neuron", "staged"])
def test_every_backward_step_is_upstream_times_local(post, name):
    steps = post("/api/circuit", {"example": name})["backward"]
    assert steps[0]["op"] == "seed" and steps[0]["grad"] == 1.0
    for step in steps[1:]:
        assert step["upstream"] * step["local"] == pytest.approx(step["grad"], abs=1e-12), step


def test_circuit_numbers_of_docs_worked_example_1(post):
    reply = post("/api/circuit", {"expression": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}})
    assert reply["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    forward = {r["name"]: r["value"] for r in reply["forward"]}
    assert forward == {"x": -2.0, "y": 5.0, "x + y": 3.0, "z": -4.0, "f": -12.0}  # a wire named by what it carries
    # d(f)/dz arrives through the multiply gate: upstream 1 times the local q = x + y = 3
    dz = next(s for s in reply["backward"] if s["name"] == "z")
    assert (dz["upstream"], dz["local"], dz["grad"]) == (1.0, 3.0, 3.0)


def test_fan_out_totals_add_up_to_the_gradient(post):
    reply = post("/api/circuit", {"expression": "x * y + sin(x)", "values": {"x": 0.5, "y": 2}})
    uses = [s for s in reply["backward"] if s["name"] == "x"]
    assert [s["use"] for s in uses] == [1, 2] and uses[0]["uses"] == 2
    assert uses[-1]["total"] == pytest.approx(2 + np.cos(0.5), abs=1e-12)
    assert reply["gradients"]["x"] == pytest.approx(2 + np.cos(0.5), abs=1e-12)


def test_expression_gradients_equal_torch(post):
    torch = pytest.importorskip("torch")
    text, values = "(x + sigmoid(y)) / (sigmoid(x) + (x + y) ** 2) * exp(-y / 4)", {"x": 3.0, "y": -4.0}
    reply = post("/api/circuit", {"expression": text, "values": values})
    x, y = (torch.tensor(values[k], dtype=torch.float64, requires_grad=True) for k in "xy")
    ((x + torch.sigmoid(y)) / (torch.sigmoid(x) + (x + y) ** 2) * torch.exp(-y / 4)).backward()
    assert reply["gradients"]["x"] == pytest.approx(x.grad.item(), abs=1e-12)
    assert reply["gradients"]["y"] == pytest.approx(y.grad.item(), abs=1e-12)
    assert parse(text).variables == ["x", "y"]


def test_non_finite_numbers_are_null_not_invalid_json(client):
    reply = client.post("/api/circuit", json={"expression": "log(x)", "values": {"x": 0}})
    assert reply.status_code == 200
    assert reply.json()["forward"][-1]["value"] is None  # log(0) = -inf


def test_example_inputs_move_with_the_values_sent(post):
    """The sliders: a worked example at other input values is chainrule's backward there."""
    reply = post("/api/circuit", {"example": "staged", "values": {"x": 1.5}})
    assert reply["inputs"] == {"x": 1.5, "y": -4.0}
    ex = examples.staged(x=1.5)
    assert reply["gradients"] == pytest.approx(ex.trace.gradients, abs=1e-12)
    assert reply["forward"][-1]["value"] == ex.output.item()


@pytest.mark.parametrize("name, h", [("x", 0.01), ("y", -0.5), ("z", 1e-6)])
def test_nudge_compares_h_times_the_gradient_with_the_measured_change(post, name, h):
    from chainrule import Tensor, ops

    values = {"x": 0.5, "y": 2.0, "z": -1.5}
    reply = post("/api/circuit/nudge", {"expression": "x * y + sin(x) * z", "values": values, "name": name, "h": h})

    def f(v):  # the same circuit, built and backpropagated by chainrule's engine here
        leaves = {k: Tensor(np.float64(x), requires_grad=True) for k, x in v.items()}
        out = leaves["x"] * leaves["y"] + ops.sin(leaves["x"]) * leaves["z"]
        out.backward()
        return out.item(), leaves[name].grad.item()

    f0, grad = f(values)
    f1, _ = f({**values, name: values[name] + h})
    assert reply["grad"] == pytest.approx(grad, abs=1e-12)
    assert reply["predicted"] == pytest.approx(h * grad, abs=1e-12)
    assert reply["measured"] == pytest.approx(f1 - f0, abs=1e-12)
    assert (reply["f"], reply["f_nudged"], reply["value"]) == (f0, f1, values[name])
    # the linear prediction is off by O(h^2): the second derivative's term
    assert abs(reply["measured"] - reply["predicted"]) < 2 * h * h


def test_nudge_of_a_worked_example_uses_its_default_inputs(post):
    reply = post("/api/circuit/nudge", {"example": "circuit", "name": "z", "h": 0.1})
    # f = (x + y) * z is linear in z: the prediction is exact, 0.1 * (x + y) = 0.3
    assert reply["grad"] == 3.0 and reply["predicted"] == pytest.approx(0.3, abs=1e-12)
    assert reply["measured"] == pytest.approx(0.3, abs=1e-12)
