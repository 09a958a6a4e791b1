"""LeNet-5 training throughput: chainrule next to PyTorch CPU eager, in one run.

    PYTHONPATH=src python benchmarks/conv_lenet5.py --threads 1

Both train the same LeNet-5 (chainrule's ``models.lenet5``; PyTorch's twin gets the same
initial weights through the state dict) with softmax cross-entropy and SGD (lr 0.05,
momentum 0.9) on the same batches of 64 float32 images, after ``--warmup`` steps, at the
same thread count (BLAS/OpenMP pools for NumPy, ``torch.set_num_threads`` for PyTorch).
The timed runs alternate between the two (the machine may be shared); prints the best and
the median images/s of each and the ratios chainrule / PyTorch.
"""
import argparse
import os
import platform
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=10, help="timed runs per framework, alternating")
    parser.add_argument("--no-torch", action="store_true", help="time chainrule alone")
    parser.add_argument("--profile", action="store_true", help="cProfile chainrule's steps instead")
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)  # before NumPy loads its BLAS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
import chainrule as cr  # noqa: E402
from chainrule import models  # noqa: E402
from chainrule.nn import functional as F  # noqa: E402
from chainrule.optim import SGD  # noqa: E402

LR, MOMENTUM = 0.05, 0.9


def batches(count, batch, seed=0):
    """Fixed synthetic MNIST-shaped batches (values in [0, 1], with many ties as in MNIST)."""
    rng = np.random.default_rng(seed)
    images = np.clip(rng.standard_normal((count, batch, 1, 28, 28)), 0, 1).astype(np.float32)
    labels = rng.integers(0, 10, (count, batch))
    return images, labels


def chainrule_steps(model, optimizer, images, labels):
    for x, y in zip(images, labels):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(cr.tensor(x)), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def torch_steps(torch, model, optimizer, images, labels):
    loss_fn = torch.nn.functional.cross_entropy
    for x, y in zip(images, labels):
        optimizer.zero_grad()
        loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        optimizer.step()
    return loss.item()


def torch_twin(torch, model):
    tn = torch.nn
    twin = tn.Sequential(
        tn.Conv2d(1, 6, 5, padding=2), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(6, 16, 5), tn.ReLU(), tn.MaxPool2d(2), tn.Flatten(),
        tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84), tn.ReLU(), tn.Linear(84, 10),
    )
    twin.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()})
    return twin


def timed(fn, steps, batch):
    """images/s of one call of ``fn`` that runs ``steps`` steps of ``batch`` images."""
    start = time.perf_counter()
    fn()
    return steps * batch / (time.perf_counter() - start)


def main():
    cr.manual_seed(0)
    model = models.lenet5()
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    warm_x, warm_y = batches(ARGS.warmup, ARGS.batch, seed=1)
    images, labels = batches(ARGS.steps, ARGS.batch)
    if ARGS.profile:
        import cProfile
        import pstats

        chainrule_steps(model, optimizer, warm_x, warm_y)
        profiler = cProfile.Profile()
        profiler.runcall(chainrule_steps, model, optimizer, images, labels)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    torch = None
    if not ARGS.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: timing chainrule alone")
    print(f"LeNet-5, batch {ARGS.batch}, float32, {ARGS.steps} steps after {ARGS.warmup} warm-up, "
          f"{ARGS.threads} thread(s); {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs; numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ""))
    runs = {"chainrule": lambda: chainrule_steps(model, optimizer, images, labels)}
    warm_losses = {"chainrule": chainrule_steps(model, optimizer, warm_x, warm_y)}
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        cr.manual_seed(0)
        twin = torch_twin(torch, models.lenet5())
        torch_optimizer = torch.optim.SGD(twin.parameters(), lr=LR, momentum=MOMENTUM)
        runs["pytorch"] = lambda: torch_steps(torch, twin, torch_optimizer, images, labels)
        warm_losses["pytorch"] = torch_steps(torch, twin, torch_optimizer, warm_x, warm_y)
    print("loss after the warm-up steps (same weights, same batches): "
          + ", ".join(f"{name} {loss:.6f}" for name, loss in warm_losses.items()))
    rates = {name: [] for name in runs}
    for _ in range(ARGS.repeats):  # alternate, so both see the same machine load
        for name, fn in runs.items():
            rates[name].append(timed(fn, ARGS.steps, ARGS.batch))
    best = {name: max(values) for name, values in rates.items()}
    median = {name: float(np.median(values)) for name, values in rates.items()}
    for name in runs:
        print(f"{name:>10}: best {best[name]:6.0f} images/s ({ARGS.batch / best[name] * 1e3:5.2f} ms/step), "
              f"median {median[name]:6.0f} images/s over {ARGS.repeats} runs of {ARGS.steps} steps")
    if "pytorch" in runs:
        print(f"ratio chainrule / pytorch: {best['chainrule'] / best['pytorch']:.2f}x (best), "
              f"{median['chainrule'] / median['pytorch']:.2f}x (median)")


if __name__ == "__main__":
    main()
