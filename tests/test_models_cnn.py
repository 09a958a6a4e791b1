import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import data, models, optim
from chainrule.autograd import ShapeError
from chainrule.nn import functional as F


def _torch_twin(name):
    torch = pytest.importorskip("torch")
    tn = torch.nn
    if name == "lenet5":
        return tn.Sequential(
            tn.Conv2d(1, 6, 5, padding=2), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(6, 16, 5), tn.ReLU(),
            tn.MaxPool2d(2), tn.Flatten(), tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84), tn.ReLU(),
            tn.Linear(84, 10))
    return tn.Sequential(
        tn.Conv2d(1, 16, 3, padding=1), tn.BatchNorm2d(16), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(16, 32, 3, padding=1), tn.BatchNorm2d(32), tn.ReLU(), tn.MaxPool2d(2),
        tn.Flatten(), tn.Linear(1568, 128), tn.ReLU(), tn.Linear(128, 10))


@pytest.mark.parametrize("name, parameters", [("lenet5", 61706), ("cnn_bn", 207018)])
def test_registered_and_a_training_step_matches_torch(name, parameters):
    import torch

    assert models.MODELS[name] is getattr(models, name)
    cr.manual_seed(0)
    model = models.get_model(name).double()
    assert sum(p.detach().numpy().size for p in model.parameters()) == parameters
    twin = _torch_twin(name).double()
    assert list(model.state_dict()) == list(twin.state_dict())
    twin.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()})
    rng = np.random.default_rng(0)
    images, labels = np.clip(rng.standard_normal((4, 1, 28, 28)), 0, 1), rng.integers(0, 10, 4)
    ours = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):  # two steps: the second sees updated weights and running statistics
        ours.zero_grad()
        theirs.zero_grad()
        loss = F.cross_entropy(model(cr.tensor(images)), labels)
        expected = torch.nn.functional.cross_entropy(twin(torch.tensor(images)), torch.tensor(labels))
        loss.backward()
        expected.backward()
        ours.step()
        theirs.step()
        assert loss.item() == pytest.approx(expected.item(), rel=1e-10)
    for key, value in twin.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-9, atol=1e-12, err_msg=key)


def test_cnn_bn_learns_a_slice_of_real_mnist(mnist_dir):
    cr.manual_seed(0)
    images = data.MNIST(mnist_dir, train=False)  # the smaller file: two disjoint slices of it
    train_set, test_set = data.Subset(images, range(4096)), data.Subset(images, range(9000, 10000))
    model = models.cnn_bn()
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for images, labels in data.DataLoader(train_set, batch_size=64, shuffle=True):
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()
    model.eval()  # batch norm now uses the running statistics it gathered
    images, labels = next(iter(data.DataLoader(test_set, batch_size=1000)))
    with cr.no_grad():
        accuracy = (model(images).detach().numpy().argmax(axis=1) == labels.detach().numpy()).mean()
    assert accuracy > 0.85  # one pass over 4096 images (64 steps); chance is 0.1


def test_lenet5_names_the_layer_that_does_not_fit_32x32_images():
    with pytest.raises(ShapeError, match="^" + re.escape(
            "layer '7' (Linear(in_features=400, out_features=120, bias=True)): linear: input of shape (2, 576) "
            "does not match weight of shape (120, 400)")):
        models.lenet5()(cr.zeros(2, 1, 32, 32))
