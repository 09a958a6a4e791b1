"""Ready-made networks and the registry the CLI uses (``--model NAME``).

Every model starts with ``Flatten``, so it takes images (N, 1, 28, 28) as well as
vectors (N, 784); its state-dict keys are those of the same ``torch.nn.Sequential``
(``1.weight``, ``1.bias``, ``3.weight``, ...).
"""
from . import nn

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}

WEIGHT_INITS = {
    # PyTorch's Linear default: U(+-1/sqrt(n_in)) for weights and biases
    "default": None,
    # docs/math.md, first experiment: weights and biases N(0, 1)
    "standard_normal": (nn.init.standard_normal_, nn.init.standard_normal_),
    # docs/math.md, second experiment: weights N(0, 1/n_in), biases N(0, 1)
    "fan_in_normal": (nn.init.fan_in_normal_, nn.init.standard_normal_),
}


def _check_sizes(sizes):
    sizes = tuple(int(n) for n in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two positive layer widths, got {sizes}")
    return sizes


def _linear(n_in, n_out, weight_init):
    if weight_init not in WEIGHT_INITS:
        raise ValueError(f"unknown weight_init {weight_init!r}; choose one of {sorted(WEIGHT_INITS)}")
    layer = nn.Linear(n_in, n_out)
    if WEIGHT_INITS[weight_init]:
        init_weight, init_bias = WEIGHT_INITS[weight_init]
        init_weight(layer.weight)
        init_bias(layer.bias)
    return layer


def nielsen(sizes=(784, 30, 10)):
    """The first network of docs/math.md (section 2): a sigmoid after every layer, the output included,
    weights and biases drawn from N(0, 1). Pair it with ``nn.QuadraticCost`` and
    ``optim.SGD(lr=3.0)`` on batches of 10 for the doc's ~95% MNIST run."""
    sizes = _check_sizes(sizes)
    layers = [nn.Flatten()]
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [_linear(n_in, n_out, "standard_normal"), nn.Sigmoid()]
    return nn.Sequential(*layers)


def mlp(sizes=(784, 100, 10), activation="relu", weight_init="default"):
    """A multilayer perceptron returning logits (no activation after the last layer), for
    ``CrossEntropyLoss``. ``activation``: relu, sigmoid, tanh or leaky_relu.
    ``weight_init``: 'default' (PyTorch's), 'standard_normal' or 'fan_in_normal'
    (docs/math.md's N(0, 1/n_in) weights, for its [784, 100, 10] ~98% run)."""
    sizes = _check_sizes(sizes)
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    layers = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(_linear(n_in, n_out, weight_init))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


MODELS = {"nielsen": nielsen, "mlp": mlp}


def get_model(name, **kwargs):
    """Build the registered model ``name`` with ``kwargs`` (e.g. ``sizes=(64, 32, 10)``)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}")
    return MODELS[name](**kwargs)


def lenet5(num_classes=10):
    """LeNet-5 for 28x28 images (N, 1, 28, 28), returning logits: conv 6@5x5 (padding 2),
    ReLU, max pool 2, conv 16@5x5, ReLU, max pool 2, then fully connected 400-120-84-classes
    with ReLUs. About 62k parameters; reaches ~99% on MNIST."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, num_classes),
    )


def cnn_bn(num_classes=10):
    """Two blocks of convolution, batch norm, ReLU and max pooling, then two fully connected
    layers, for 28x28 images (N, 1, 28, 28), returning logits: conv 16@3x3 and conv 32@3x3
    (padding 1), each followed by BatchNorm2d, ReLU and max pool 2, then 1568-128-classes.
    About 206k parameters. Call ``.eval()`` before testing (batch norm's running statistics)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, num_classes),
    )


MODELS.update(lenet5=lenet5, cnn_bn=cnn_bn)
