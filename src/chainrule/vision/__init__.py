"""torchvision's names for the data side: ``torchvision.datasets`` -> ``chainrule.vision.datasets``,
``torchvision.transforms`` -> ``chainrule.vision.transforms``. See docs/data.md.

    from chainrule.vision import datasets, transforms
    train = datasets.MNIST("data", train=True, download=True,
                           transform=transforms.Compose([transforms.ToTensor(),
                                                         transforms.Normalize((0.1307,), (0.3081,))]))
"""
from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
