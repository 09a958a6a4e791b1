"""The floor under w1: its training step written in plain NumPy, with no framework, next to
chainrule's and PyTorch's, in one run.

    PYTHONPATH=src python -m benchmarks.w1_floor --threads 1

w1 (benchmarks/compare.py): MLP 784-30-10, sigmoid after both layers, float64, batch 10,
quadratic cost C = 1/(2N) sum ||a - y||^2, SGD lr 3.0. The plain step is the textbook
backpropagation (forward, the four equations, the update) in NumPy calls and nothing
else: no graph, no checks, every temporary in a preallocated buffer. A framework that runs
these products and passes through NumPy does at least this work, so PyTorch's time over the
plain step bounds what such a framework can reach on w1. Prints microseconds per step, the fastest of
``--repeats`` runs of ``--steps`` steps each, alternating.
"""
import argparse
import time

import numpy as np

from benchmarks.threads import limit_threads


def plain_step(params, x, y, lr, buffers):
    """One SGD step on ``params`` = [W1 (30, 784), b1, W2 (10, 30), b2], in place, every
    temporary written into ``buffers`` (no allocation but the products')."""
    w1, b1, w2, b2 = params
    a1, a2, delta2, delta1, grad_w1, grad_w2 = buffers
    np.matmul(x, w1.T, out=a1)
    a1 += b1
    sigmoid_(a1)
    np.matmul(a1, w2.T, out=a2)
    a2 += b2
    sigmoid_(a2)
    np.subtract(a2, y, out=delta2)  # BP1 with the cost's 1/N, times sigmoid' = a (1 - a)
    delta2 *= a2
    delta2 -= delta2 * a2
    delta2 *= lr / len(x)  # the learning rate folded in once
    np.matmul(delta2, w2, out=delta1)  # BP2
    delta1 *= a1
    delta1 -= delta1 * a1
    w2 -= np.matmul(delta2.T, a1, out=grad_w2)  # BP4
    b2 -= delta2.sum(axis=0)  # BP3
    w1 -= np.matmul(delta1.T, x, out=grad_w1)
    b1 -= delta1.sum(axis=0)


def sigmoid_(a):
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def framework_step(lib, functional_loss):
    """A step function of ``lib`` (chainrule or torch) on the same shapes."""
    model = lib.nn.Sequential(lib.nn.Linear(784, 30), lib.nn.Sigmoid(), lib.nn.Linear(30, 10),
                              lib.nn.Sigmoid()).double()
    optimizer = lib.optim.SGD(model.parameters(), lr=3.0)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.random((10, 784)))
    y = lib.tensor(np.eye(10)[rng.integers(0, 10, 10)])

    def step():
        optimizer.zero_grad()
        functional_loss(model(x), y).backward()
        optimizer.step()
    return step


def best_microseconds(step, steps, repeats):
    for _ in range(steps // 4):
        step()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps * 1e6)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import chainrule
    import chainrule.nn.functional as F
    try:
        import torch
    except ImportError:
        torch = None
    print(f"threads: {limit_threads(args.threads, torch)}")
    rng = np.random.default_rng(0)
    params = [rng.standard_normal((30, 784)), rng.standard_normal(30), rng.standard_normal((10, 30)),
              rng.standard_normal(10)]
    x, y = rng.random((10, 784)), np.eye(10)[rng.integers(0, 10, 10)]
    buffers = [np.empty(shape) for shape in ((10, 30), (10, 10), (10, 10), (10, 30), (30, 784), (10, 30))]
    steps = {"plain NumPy": lambda: plain_step(params, x, y, 3.0, buffers),
             "chainrule": framework_step(chainrule, F.quadratic_cost)}
    if torch is not None:
        steps["PyTorch"] = framework_step(
            torch, lambda out, target: torch.nn.functional.mse_loss(out, target, reduction="sum") * (0.5 / len(target)))
    results = {name: float("inf") for name in steps}
    for _ in range(args.repeats):  # alternating, so that load from elsewhere hits all alike
        for name, step in steps.items():
            results[name] = min(results[name], best_microseconds(step, args.steps, 1))
    for name, us in results.items():
        print(f"{name:12s} {us:7.1f} us a w1 step")
    if torch is not None:
        print(f"PyTorch / plain NumPy: {results['PyTorch'] / results['plain NumPy']:.2f}x "
              f"(the bound for a framework on NumPy); chainrule: "
              f"{results['PyTorch'] / results['chainrule']:.2f}x")


if __name__ == "__main__":
    main()
