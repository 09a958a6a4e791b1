import numpy as np
import pytest

import chainrule as cr
from chainrule import models, nn, optim
from chainrule.nn import functional as F


def test_nielsen_layout_and_init():
    cr.manual_seed(0)
    model = models.nielsen()
    assert [type(m).__name__ for m in model] == ["Flatten", "Linear", "Sigmoid", "Linear", "Sigmoid"]
    assert {k: v.shape for k, v in model.state_dict().items()} == {
        "1.weight": (30, 784), "1.bias": (30,), "3.weight": (10, 30), "3.bias": (10,)}
    weights = model[1].weight.detach().numpy()
    assert weights.std() == pytest.approx(1.0, rel=0.03) and abs(weights.mean()) < 0.03
    assert model[3].bias.detach().numpy().std() > 0.3  # biases N(0, 1) too, not PyTorch's small uniform
    out = model(cr.rand(4, 1, 28, 28))
    assert out.shape == (4, 10) and ((out.detach().numpy() > 0) & (out.detach().numpy() < 1)).all()  # sigmoid output


def test_nielsen_gradients_are_the_four_equations():
    """BP1-BP4 of docs/math.md, by hand in NumPy, against autograd, batch-averaged quadratic cost."""
    cr.manual_seed(1)
    model = models.nielsen((6, 4, 3)).double()
    rng = np.random.default_rng(0)
    x, labels = rng.uniform(0, 1, (5, 6)), np.array([0, 2, 1, 1, 0])
    F.quadratic_cost(model(cr.tensor(x)), labels).backward()

    (w1, b1), (w2, b2) = [(layer.weight.detach().numpy(), layer.bias.detach().numpy()) for layer in (model[1], model[3])]
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    z1 = x @ w1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2.T + b2
    a2 = sigmoid(z2)
    y = np.eye(3)[labels]
    delta2 = (a2 - y) * a2 * (1 - a2)  # BP1 with grad_a C = a - y
    delta1 = (delta2 @ w2) * a1 * (1 - a1)  # BP2
    np.testing.assert_allclose(model[3].bias.grad, delta2.mean(0), rtol=1e-12)  # BP3, batch average
    np.testing.assert_allclose(model[3].weight.grad, delta2.T @ a1 / 5, rtol=1e-12)  # BP4
    np.testing.assert_allclose(model[1].bias.grad, delta1.mean(0), rtol=1e-12)
    np.testing.assert_allclose(model[1].weight.grad, delta1.T @ x / 5, rtol=1e-12)


def test_mlp_returns_logits_with_chosen_activation_and_init():
    cr.manual_seed(0)
    model = models.mlp((784, 100, 10), activation="tanh", weight_init="fan_in_normal")
    assert [type(m).__name__ for m in model] == ["Flatten", "Linear", "Tanh", "Linear"]
    assert model[1].weight.detach().numpy().std() == pytest.approx(1 / np.sqrt(784), rel=0.03)
    assert model[3].weight.detach().numpy().std() == pytest.approx(1 / np.sqrt(100), rel=0.05)
    default = models.mlp((20, 5))
    assert np.abs(default[1].weight.detach().numpy()).max() <= 1 / np.sqrt(20)
    assert len(default) == 2


def test_same_seed_same_weights():
    cr.manual_seed(7)
    first = models.get_model("mlp", sizes=(8, 6, 3)).state_dict()
    cr.manual_seed(7)
    second = models.get_model("mlp", sizes=(8, 6, 3)).state_dict()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def test_registry_errors():
    assert set(models.MODELS) >= {"nielsen", "mlp"}
    with pytest.raises(ValueError, match="unknown model 'resnet'; available: .*mlp.*nielsen"):
        models.get_model("resnet")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        models.mlp(activation="swish")
    with pytest.raises(ValueError, match="unknown weight_init 'zeros'"):
        models.mlp(weight_init="zeros")
    with pytest.raises(ValueError, match="at least two positive layer widths"):
        models.nielsen((784,))


def test_models_load_into_equivalent_torch_models():
    torch = pytest.importorskip("torch")
    model = models.mlp((12, 7, 3), activation="leaky_relu")
    reference = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 7), torch.nn.LeakyReLU(),
                                    torch.nn.Linear(7, 3))
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()}, strict=True)
    x = np.random.default_rng(0).standard_normal((4, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(model(cr.tensor(x)).detach().numpy(), reference(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    data = datasets.load_digits()
    x, y = (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)
    return (x[:1400], y[:1400]), (x[1400:], y[1400:])


def train(model, loss_fn, optimizer, data, epochs, batch_size):
    (x, y), (x_test, y_test) = data
    order = np.random.default_rng(0)
    for _ in range(epochs):
        perm = order.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = perm[start:start + batch_size]
            optimizer.zero_grad()
            loss_fn(model(cr.tensor(x[idx])), y[idx]).backward()
            optimizer.step()
    with cr.no_grad():
        return (model(cr.tensor(x_test)).detach().numpy().argmax(1) == y_test).mean()


def test_mlp_learns_digits():
    cr.manual_seed(0)
    model = models.mlp((64, 32, 10))
    accuracy = train(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), digits(), 8, 32)
    assert accuracy >= 0.9


def test_nielsen_setup_learns_digits():
    """The recipe of docs/math.md, section 2 (sigmoids, quadratic cost, SGD with eta = 3, batches of 10)."""
    cr.manual_seed(0)
    model = models.nielsen((64, 30, 10))
    accuracy = train(model, nn.QuadraticCost(), optim.SGD(model.parameters(), lr=3.0), digits(), 8, 10)
    assert accuracy >= 0.85
