"""One MNIST training epoch of a chainrule zoo model in plain PyTorch, written as a user writes it.

    python benchmarks/torch_mnist_epoch.py --data-dir DIR --model lenet5 --batch-size 64 \
        --lr 0.05 --momentum 0.9 --weight-decay 5e-4 --threads 1

No torchvision: the IDX files (raw or gzipped) are read with NumPy and scaled to [0, 1] as
chainrule's MNIST does, then a ``TensorDataset`` and a ``DataLoader(shuffle=True)`` give the
batches. The networks are ``chainrule.models``' (same layers, same initialisation rule), the
loss is cross-entropy or chainrule's quadratic cost (``--loss mse``), the optimizer SGD. One
epoch: a recipe's schedule would change the rate only after it. ``benchmarks/epoch_time.py``
runs this script beside ``chainrule train --epochs 1`` with the same options. Prints one line:
``train_seconds S test_acc A`` (the training loop, batch fetching included, and the test
accuracy after it).
"""
import argparse
import gzip
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

EVAL_BATCH_SIZE = 1000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="folder of the MNIST IDX files")
    parser.add_argument("--model", choices=("nielsen", "mlp", "lenet5", "cnn_bn"), required=True)
    parser.add_argument("--loss", choices=("cross-entropy", "mse"), default="cross-entropy")
    parser.add_argument("--init", choices=("default", "standard_normal", "fan_in_normal"), default="default")
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--momentum", type=float, default=0.0)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def read_idx(path):
    """The array of an IDX file of unsigned bytes (``path`` or ``path.gz``)."""
    raw = path.read_bytes() if path.exists() else gzip.decompress(path.with_name(path.name + ".gz").read_bytes())
    dims = raw[3]
    shape = np.frombuffer(raw, ">i4", count=dims, offset=4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist(folder, prefix):
    images = read_idx(folder / f"{prefix}-images-idx3-ubyte")
    labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte")
    x = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)  # (N, 1, 28, 28)
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))


def build_model(name, init):
    if name == "nielsen":  # sigmoid after every layer, N(0, 1) weights and biases
        model, init = nn.Sequential(nn.Flatten(), nn.Linear(784, 30), nn.Sigmoid(),
                                    nn.Linear(30, 10), nn.Sigmoid()), "standard_normal"
    elif name == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    elif name == "lenet5":
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))
    if init != "default":
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                std = 1.0 if init == "standard_normal" else layer.in_features ** -0.5
                nn.init.normal_(layer.weight, 0.0, std)
                nn.init.normal_(layer.bias, 0.0, 1.0)
    return model


def quadratic_cost(output, target):
    """1/2 ||a - y||^2 per example, averaged over the batch (chainrule's --loss mse)."""
    one_hot = nn.functional.one_hot(target, 10).to(output.dtype)
    return 0.5 * ((output - one_hot) ** 2).sum() / len(target)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_loader = DataLoader(mnist(args.data_dir, "train"), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(mnist(args.data_dir, "t10k"), batch_size=EVAL_BATCH_SIZE)
    model = build_model(args.model, args.init)
    loss_fn = quadratic_cost if args.loss == "mse" else nn.functional.cross_entropy
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                                weight_decay=args.weight_decay)
    started = time.perf_counter()
    model.train()
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
    train_seconds = time.perf_counter() - started
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += int((model(images).argmax(1) == labels).sum())
    print(f"train_seconds {train_seconds:.3f} test_acc {correct / len(test_loader.dataset):.4f}")


if __name__ == "__main__":
    main()
