"""LeNet-5 training throughput: chainrule next to PyTorch CPU eager, in one run.

    PYTHONPATH=src python benchmarks/conv_lenet5.py --threads 1 --steps 200

Both train the same LeNet-5 (chainrule's ``models.lenet5``; PyTorch's twin gets the same
initial weights through the state dict) with softmax cross-entropy and SGD (lr 0.05,
momentum 0.9) on the same batches of 64 float32 images, after ``--warmup`` steps, at the
same thread count (BLAS/OpenMP pools for NumPy, ``torch.set_num_threads`` for PyTorch).
Prints images/s for both and the ratio chainrule / PyTorch.
"""
import argparse
import os
import platform
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per framework, alternating; best counts")
    parser.add_argument("--no-torch", action="store_true", help="time chainrule alone")
    parser.add_argument("--profile", action="store_true", help="cProfile chainrule's steps instead")
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="glibc only: tell malloc to reuse freed memory instead of returning it to "
                             "the OS (applies to both frameworks; see docs/cnn.md)")
    return parser.parse_args()


def keep_freed_memory():
    """Raise glibc's mmap and trim thresholds, so that the large arrays a training step frees
    are reused by the next step instead of being unmapped and faulted in again (the same as
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 in the environment)."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, 32 << 20) and libc.mallopt(m_trim_threshold, 1 << 30))


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
    start = time.perf_counter()
    loss = fn()
    seconds = time.perf_counter() - start
    return steps * batch / seconds, seconds / steps * 1e3, loss


def main():
    tuned = ARGS.keep_freed_memory and keep_freed_memory()
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
    try:
        import torch
    except ImportError:
        torch = None
    print(f"LeNet-5, batch {ARGS.batch}, float32, {ARGS.steps} steps after {ARGS.warmup} warm-up, "
          f"{ARGS.threads} thread(s); {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs; numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else "")
          + ("; malloc keeps freed memory" if tuned else "; default malloc"))
    runs = {"chainrule": [lambda: chainrule_steps(model, optimizer, images, labels)]}
    warm_losses = {"chainrule": chainrule_steps(model, optimizer, warm_x, warm_y)}
    if torch is not None and not ARGS.no_torch:
        torch.set_num_threads(ARGS.threads)
        cr.manual_seed(0)
        twin = torch_twin(torch, models.lenet5())
        torch_optimizer = torch.optim.SGD(twin.parameters(), lr=LR, momentum=MOMENTUM)
        runs["pytorch"] = [lambda: torch_steps(torch, twin, torch_optimizer, images, labels)]
        warm_losses["pytorch"] = torch_steps(torch, twin, torch_optimizer, warm_x, warm_y)
    print("loss after the warm-up steps (same weights, same batches): "
          + ", ".join(f"{name} {loss:.6f}" for name, loss in warm_losses.items()))
    best = {}
    for _ in range(ARGS.repeats):  # alternate, so both see the same machine load
        for name, (fn,) in runs.items():
            result = timed(fn, ARGS.steps, ARGS.batch)
            if name not in best or result[0] > best[name][0]:
                best[name] = result
    for name, (rate, ms, _) in best.items():
        print(f"{name:>10}: {rate:8.0f} images/s  {ms:6.2f} ms/step")
    if "pytorch" in best:
        print(f"ratio chainrule / pytorch: {best['chainrule'][0] / best['pytorch'][0]:.2f}x")


if __name__ == "__main__":
    main()
