import numpy as np
import pytest

from chainrule.playground import network
from chainrule.playground.messages import MessageError


def new(post, **settings):
    return post("/api/network", settings)


def session_of(app, token):
    return app.state.sessions.find({"session": token})[0]


def test_backward_equals_torch_layer_by_layer(app, post):
    torch = pytest.importorskip("torch")
    reply = new(post, dataset="spiral", hidden=[5, 3], activation="tanh", batch_size=7, seed=3)
    post("/api/network/train", {"session": reply["session"], "steps": 4})
    session = session_of(app, reply["session"])
    weights = [(np.asarray(l.weight).copy(), np.asarray(l.bias).copy()) for l in session.linears]
    bw = post("/api/network/backward", {"session": reply["session"]})
    x = torch.tensor(session.x_train[bw["index"]])
    y = torch.tensor(session.y_train[bw["index"]])[:, None]
    np.testing.assert_array_equal(bw["x"], x.numpy())
    params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in weights]
    a, zs, activations = x, [], []
    for i, (w, b) in enumerate(params):
        z = a @ w.T + b
        z.retain_grad()
        a = z if i == len(params) - 1 else torch.tanh(z)
        a.retain_grad()
        zs.append(z)
        activations.append(a)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(a, y)
    loss.backward()
    assert bw["loss"] == pytest.approx(loss.item(), abs=1e-12)
    for layer, z, a, (w, b) in zip(bw["layers"], zs, activations, params):
        np.testing.assert_allclose(layer["z"], z.detach().numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer["a"], a.detach().numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer["delta"], z.grad.numpy(), rtol=0, atol=1e-12)   # BP1, BP2
        np.testing.assert_allclose(layer["weight_grad"], w.grad.numpy(), rtol=0, atol=1e-12)  # BP4
        np.testing.assert_allclose(layer["bias_grad"], b.grad.numpy(), rtol=0, atol=1e-12)  # BP3
    for layer, a in zip(bw["layers"][:-1], activations[:-1]):
        np.testing.assert_allclose(layer["a_grad"], a.grad.numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer["local"], 1 - np.tanh(layer["z"]) ** 2, rtol=0, atol=1e-12)
    out = bw["layers"][-1]
    np.testing.assert_allclose(out["prob"], torch.sigmoid(zs[-1]).detach().numpy(), rtol=0, atol=1e-12)


def test_backward_equals_chainrules_own_backward(app, post):
    from chainrule.nn import functional as F
    from chainrule.tensor import Tensor

    reply = new(post, hidden=[3], activation="relu", batch_size=5)
    session = session_of(app, reply["session"])
    bw = post("/api/network/backward", {"session": reply["session"]})
    session.model.zero_grad()
    x, y = session.x_train[bw["index"]], session.y_train[bw["index"]]
    F.binary_cross_entropy_with_logits(session.model(Tensor(x)), Tensor(y[:, None])).backward()
    for layer, linear in zip(bw["layers"], session.linears):
        np.testing.assert_array_equal(layer["weight_grad"], np.asarray(linear.weight.grad))
        np.testing.assert_array_equal(layer["bias_grad"], np.asarray(linear.bias.grad))
    np.testing.assert_array_equal(bw["layers"][0]["local"], np.asarray(bw["layers"][0]["z"]) > 0)


def test_backward_does_not_change_the_weights(app, post):
    reply = new(post)
    before = post("/api/network/train", {"session": reply["session"], "steps": 1})["frame"]["weights"]
    post("/api/network/backward", {"session": reply["session"]})
    frame = session_of(app, reply["session"]).frame()
    assert frame["weights"] == before


def test_xor_preset_learns(post):
    reply = new(post, **network.PRESETS["xor"])
    frame = reply["frame"]
    assert frame["test_loss"] > 0.6
    for _ in range(10):  # train until the test loss falls below 0.1, at most 1,000 steps
        frame = post("/api/network/train", {"session": reply["session"], "steps": 100})["frame"]
        if frame["test_loss"] < 0.1:
            break
    assert frame["test_loss"] < 0.1 and frame["steps"] <= 1000
    assert frame["train_loss"] < 0.15


def test_frame_shapes_and_boundary_probabilities(post):
    frame = new(post, hidden=[3, 2], points=100)["frame"]
    assert len(frame["boundary"]) == network.GRID ** 2
    assert all(isinstance(p, int) and 0 <= p <= 1000 for p in frame["boundary"])  # P(class 1) in thousandths
    assert [len(layer) for layer in frame["neurons"]] == [3, 2]
    assert all(len(neuron) == network.NEURON_GRID ** 2 for layer in frame["neurons"] for neuron in layer)
    assert all(-1000 <= v <= 1000 for layer in frame["neurons"] for neuron in layer for v in neuron)
    assert [np.shape(w) for w in frame["weights"]] == [(3, 2), (2, 3), (1, 2)]


def test_same_seed_same_network_and_batches(post):
    first, second = new(post, seed=7), new(post, seed=7)
    assert first["data"] == second["data"] and first["frame"] == second["frame"]
    a = post("/api/network/backward", {"session": first["session"]})
    b = post("/api/network/backward", {"session": second["session"]})
    assert a == b
    assert new(post, seed=8)["frame"]["weights"] != first["frame"]["weights"]


def test_sessions_do_not_interfere(post):
    first, second = new(post), new(post)
    post("/api/network/train", {"session": first["session"], "steps": 20})
    untouched = post("/api/network/train", {"session": second["session"], "steps": 1})["frame"]
    alone = post("/api/network/train", {"session": new(post)["session"], "steps": 1})["frame"]
    assert untouched == alone


def test_test_split_and_dataset_sizes(post):
    data = new(post, points=200, test_fraction=0.3)["data"]
    assert len(data["test"]["x"]) == 60 and len(data["train"]["x"]) == 140
    assert set(data["train"]["y"]) == {0.0, 1.0}


@pytest.mark.parametrize("settings, message", [
    ({"hidden": [17]}, "from 1 to 16"),
    ({"hidden": [2] * 9}, "at most 8"),
    ({"hidden": "4,4"}, "hidden must be a list"),
    ({"hidden": [True]}, "integer from 1 to 16"),
    ({"points": 5000}, "points must be between 20 and 2000"),
    ({"lr": -1}, "lr must be between"),
    ({"dataset": "moons"}, "dataset must be one of circle, xor, gauss, spiral"),
    ({"batch_size": 2.5}, "batch_size must be an integer"),
    ({"noise": "high"}, "noise must be a finite number"),
    ({"colour": "red"}, "unknown field(s) 'colour'"),
])
def test_read_settings_refuses(settings, message):
    with pytest.raises(MessageError) as info:
        network.read_settings(settings)
    assert message in str(info.value)


def test_boundary_is_the_models_probability_on_the_grid(app, post):
    from chainrule import no_grad
    from chainrule.tensor import Tensor

    reply = new(post, hidden=[3], points=60)
    session = session_of(app, reply["session"])
    with no_grad():
        logits = np.asarray(session.model(Tensor(network._grid(network.GRID))))[:, 0]
    np.testing.assert_array_equal(reply["frame"]["boundary"], np.rint(1000 / (1 + np.exp(-logits))))
    # row 0 is the top of the plot: its first point is (-EXTENT, +EXTENT)
    np.testing.assert_array_equal(network._grid(4)[0], [-network.EXTENT, network.EXTENT])
