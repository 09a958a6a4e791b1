"""Train chainrule's CNNs on real MNIST and report test accuracy and time per epoch.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/train_cnn_mnist.py --models lenet5 cnn_bn

Softmax cross-entropy, SGD (lr 0.05, momentum 0.9, weight decay 5e-4) with the learning
rate annealed along a cosine to 0 over the run, batches of 64 (shuffled with the seed),
float32. After every epoch: the mean training loss, the test accuracy (eval mode: batch
norm's running statistics) and the seconds the epoch took. ``--log`` appends one JSON
line per epoch.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import chainrule as cr  # noqa: E402
from chainrule import data, models, optim  # noqa: E402
from chainrule.nn import functional as F  # noqa: E402



def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["lenet5", "cnn_bn"], choices=["lenet5", "cnn_bn"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=data.MNIST.default_root(),
                        help="folder of the MNIST IDX files (default: chainrule's data cache)")
    parser.add_argument("--log", type=Path, help="append one JSON line per epoch here")
    return parser.parse_args()


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with cr.no_grad():
        for images, labels in loader:
            correct += int((model(images).data.argmax(axis=1) == labels.data).sum())
            total += len(labels)
    model.train()
    return correct / total


def train(name, args, train_set, test_set):
    cr.manual_seed(args.seed)
    model = models.get_model(name)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    train_loader = data.DataLoader(train_set, batch_size=args.batch, shuffle=True)
    test_loader = data.DataLoader(test_set, batch_size=1000)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(train_loader))
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        total_loss = 0.0
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item()
        train_seconds = time.perf_counter() - start
        test_accuracy = accuracy(model, test_loader)
        record = dict(model=name, epoch=epoch, train_loss=total_loss / len(train_loader),
                      test_accuracy=test_accuracy, train_seconds=round(train_seconds, 1),
                      epoch_seconds=round(time.perf_counter() - start, 1))
        print(f"{name} epoch {epoch:2d}: loss {record['train_loss']:.4f}  test accuracy "
              f"{100 * test_accuracy:.2f}%  {record['epoch_seconds']:.0f} s", flush=True)
        if args.log:
            with args.log.open("a") as log:
                log.write(json.dumps(record) + "\n")


def main():
    args = parse_args()
    print(f"MNIST from {args.data}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
          f"batch {args.batch}, SGD lr {args.lr} momentum {args.momentum} weight decay "
          f"{args.weight_decay}, cosine schedule, seed {args.seed}", flush=True)
    train_set, test_set = data.MNIST(args.data, train=True), data.MNIST(args.data, train=False)
    for name in args.models:
        train(name, args, train_set, test_set)


if __name__ == "__main__":
    main()
