"""Seconds per MNIST training epoch of the README's two configurations, chainrule next to PyTorch.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/epoch_time.py --threads 1

  nielsen  [784, 30, 10] sigmoid, quadratic cost, SGD lr 3.0, batches of 10
  mlp      [784, 100, 10] ReLU, cross-entropy, N(0, 1/n_in) init, SGD lr 0.1 + L2 5e-5, batches of 10

chainrule runs ``chainrule.train.fit`` exactly as ``chainrule train`` builds it (model, loss,
optimizer, shuffling DataLoader; no evaluation, no checkpoints). PyTorch runs the same network
from the same initial weights with the same batch size, indexing one preloaded tensor by a
random permutation (its fastest plain loop), at the same thread count (``threadpoolctl`` for
NumPy's BLAS, ``torch.set_num_threads``). Prints the fastest of ``--repeats`` epochs of each
(the machine may be shared) and the ratio.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))

from chainrule import manual_seed  # noqa: E402
from chainrule.data import MNIST, DataLoader, Subset  # noqa: E402
from chainrule.train import fit  # noqa: E402
from chainrule.train.builders import build_loss, build_model, build_optimizer  # noqa: E402
from chainrule.train.config import TrainConfig  # noqa: E402

CONFIGS = {
    "nielsen": TrainConfig(dataset="mnist", model="nielsen", loss="mse", lr=3.0, batch_size=10),
    "mlp": TrainConfig(dataset="mnist", model="mlp", init="fan_in_normal", lr=0.1,
                       weight_decay=5e-5, batch_size=10),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=MNIST.default_root(),
                        help="folder of the MNIST IDX files (default: chainrule's data cache)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--repeats", type=int, default=3,
                        help="epochs timed per framework, alternating; the fastest counts")
    parser.add_argument("--no-torch", action="store_true", help="time chainrule alone")
    return parser.parse_args()


def chainrule_epoch(config, train_set):
    manual_seed(0)
    model = build_model(config.model, (1, 28, 28), 10, config.hidden, config.init)
    optimizer = build_optimizer(config, model.parameters())
    loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True)
    initial = {k: v.copy() for k, v in model.state_dict().items()}
    started = time.perf_counter()
    fit(model, build_loss(config.loss), optimizer, loader, epochs=1)
    return time.perf_counter() - started, initial


def torch_epoch(config, images, labels, initial, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if config.model == "nielsen":
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 30), torch.nn.Sigmoid(),
                                  torch.nn.Linear(30, 10), torch.nn.Sigmoid())

        def loss_fn(output, target):  # the quadratic cost, as chainrule's --loss mse
            one_hot = torch.nn.functional.one_hot(target, 10).to(output.dtype)
            return 0.5 * ((output - one_hot) ** 2).sum() / len(target)
    else:
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 100), torch.nn.ReLU(),
                                  torch.nn.Linear(100, 10))
        loss_fn = torch.nn.functional.cross_entropy
    net.load_state_dict({k: torch.from_numpy(v) for k, v in initial.items()})
    optimizer = torch.optim.SGD(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    started = time.perf_counter()
    order = torch.randperm(len(x))
    for start in range(0, len(x), config.batch_size):
        index = order[start:start + config.batch_size]
        optimizer.zero_grad()
        loss = loss_fn(net(x[index]), y[index])
        loss.backward()
        optimizer.step()
    return time.perf_counter() - started


def main():
    args = parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    train_set = MNIST(args.data_dir, train=True)
    if args.limit:
        train_set = Subset(train_set, np.arange(args.limit))
    images, labels = train_set.get_batch(np.arange(len(train_set)))
    print(f"one epoch of {len(train_set)} MNIST images, {args.threads} thread(s)")
    for name in args.configs:
        config = CONFIGS[name]
        seconds, reference = [], []
        for _ in range(args.repeats):
            elapsed, initial = chainrule_epoch(config, train_set)
            seconds.append(elapsed)
            if not args.no_torch:
                reference.append(torch_epoch(config, images, labels, initial, args.threads))
        line = f"{name:8s} chainrule {min(seconds):7.2f} s/epoch"
        if reference:
            line += (f"   PyTorch {min(reference):7.2f} s/epoch   "
                     f"chainrule/PyTorch {min(seconds) / min(reference):5.2f}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
