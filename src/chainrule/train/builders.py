"""The pieces of a run, built from a ``TrainConfig``: datasets, model, loss, optimizer and
learning-rate schedule."""
import inspect
import math

import numpy as np

from ..autograd import no_grad
from ..nn import Linear
from ..tensor import Tensor
from ..nn import functional as F
from .config import ConfigError

LOSSES = {"cross-entropy": F.cross_entropy, "mse": F.quadratic_cost}
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")
INPUT_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28)}
NUM_CLASSES = 10  # every dataset of the CLI has ten classes


def input_shape_of(dataset):
    """``((C, H, W), number of classes)`` of a dataset's images, without loading it."""
    return INPUT_SHAPES[dataset], NUM_CLASSES


def load_datasets(config):
    """``(train_set, test_set)`` of ``config.dataset`` (IDX sets from ``config.data_dir``,
    downloaded there first with ``config.download``)."""
    return load_split(config, True), load_split(config, False)


def load_split(config, train, has_download=True):
    """The training (``train``) or test split of ``config.dataset``. When the files are
    missing, the error names the option that fetches them: ``--download``, or for a command
    without it (``has_download=False``) ``chainrule train --download``; a corrupt or wrong
    file gets no such hint (downloading would not replace it)."""
    from .. import data

    if config.dataset == "digits":
        return data.Digits(train=train)
    dataset = {"mnist": data.MNIST, "fashion-mnist": data.FashionMNIST}[config.dataset]
    missing = not config.download and not dataset.is_available(config.data_dir, train)
    try:
        return dataset(config.data_dir, train=train, download=config.download)
    except data.DataError as exc:
        if not missing:
            raise
        fetch = ("on the command line: --download" if has_download else "this command cannot "
                 f"download; chainrule train --dataset {config.dataset} --download fetches them")
        raise data.DataError(f"{exc} ({fetch})") from None


def build_model(name, input_shape, num_classes, hidden=None, init_name="default"):
    """The registered model ``name`` (``chainrule.models.MODELS``) for inputs of
    ``input_shape`` (C, H, W) and ``num_classes`` outputs. Models with layer ``sizes`` get
    (C*H*W, *hidden, num_classes), ``hidden`` defaulting to the model's own. ``init_name``:
    'default' keeps the model's initialisation; 'standard_normal' or 'fan_in_normal'
    (``models.WEIGHT_INITS``) re-draws every Linear layer's weights and biases."""
    from .. import models

    if name not in models.MODELS:
        raise ConfigError(f"unknown --model {name!r}; available: {', '.join(sorted(models.MODELS))}")
    factory = models.MODELS[name]
    parameters = inspect.signature(factory).parameters
    kwargs = {}
    if "sizes" in parameters:
        hidden = parameters["sizes"].default[1:-1] if hidden is None else hidden
        kwargs["sizes"] = (math.prod(input_shape), *hidden, num_classes)
    elif hidden is not None:
        raise ConfigError(f"--hidden sets the layer sizes of an MLP; model {name!r} has none")
    if "num_classes" in parameters:
        kwargs["num_classes"] = num_classes
    model = factory(**kwargs)
    _check_input_shape(model, name, input_shape)
    if init_name != "default":
        init_weight, init_bias = models.WEIGHT_INITS[init_name]
        for module in model.modules():
            if isinstance(module, Linear):
                init_weight(module.weight)
                init_bias(module.bias)
    return model


def _check_input_shape(model, name, input_shape):
    """A clear error now, not a shape error in the first step (e.g. LeNet-5 on 8x8 digits),
    naming the datasets whose images the model takes."""
    error = _forward_error(model, input_shape)
    if error is not None:
        fitting = [dataset for dataset, shape in INPUT_SHAPES.items()
                   if shape != input_shape and _forward_error(model, shape) is None]
        hint = f"; it takes the images of --dataset {' or '.join(fitting)}" if fitting else ""
        raise ConfigError(f"model {name!r} cannot take images of shape {input_shape}: {error}{hint}")


def _forward_error(model, input_shape):
    """The ValueError of a forward pass of one zero image of ``input_shape``, or None."""
    model.eval()
    try:
        with no_grad():
            model(Tensor(np.zeros((1, *input_shape), dtype=np.float32)))
    except ValueError as exc:
        return exc
    finally:
        model.train()
    return None


def build_loss(name):
    """``loss(output, target)``: 'cross-entropy' on logits, or 'mse', docs/math.md's quadratic
    cost 1/2 ||a - y||^2 per example averaged over the batch (so ``lr`` is the doc's eta)."""
    return LOSSES[name]


def build_optimizer(config, parameters):
    """The optimizer ``config.optimizer`` with its learning rate, momentum and weight decay."""
    from .. import optim

    kwargs = {"lr": config.lr, "weight_decay": config.weight_decay}
    if config.optimizer in MOMENTUM_OPTIMIZERS:
        kwargs["momentum"] = config.momentum
    elif config.momentum:
        raise ConfigError(f"--momentum applies to {' and '.join(MOMENTUM_OPTIMIZERS)}, not "
                          f"{config.optimizer}")
    optimizer = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
                 "rmsprop": optim.RMSprop}[config.optimizer]
    return optimizer(parameters, **kwargs)


def build_scheduler(config, optimizer, steps_per_epoch):
    """``(scheduler or None, interval)``: 'step' divides the rate by 10 after each third of the
    epochs, 'cosine' anneals it to 0 over the run (both per epoch), 'onecycle' rises to
    ``lr`` and falls again over every step of the run (interval 'step')."""
    from ..optim import lr_scheduler

    if config.schedule == "none":
        return None, "epoch"
    if config.schedule == "step":
        return lr_scheduler.StepLR(optimizer, step_size=max(1, config.epochs // 3), gamma=0.1), "epoch"
    if config.schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs), "epoch"
    total = config.epochs * steps_per_epoch
    return lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total), "step"
