"""Per-op overhead of chainrule, side by side with PyTorch (when importable).

Times (1) a chain of small element-wise ops, forward + backward, and (2) one training step
of a 784-256-10 MLP (batch 128, float32, composed from core ops, plain SGD), and prints the
figures and the chainrule/PyTorch ratios. Run from the repository root:

    OMP_NUM_THREADS=2 PYTHONPATH=src python benchmarks/op_overhead.py

The thread count (``--threads``, default ``$OMP_NUM_THREADS`` or 1) is set before NumPy is
imported and, when threadpoolctl is installed, enforced on the BLAS pools; it is printed.
"""
import argparse
import os
import time


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    parser.add_argument("--chain", type=int, default=300, help="chain steps (3 ops each)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs; the best is shown")
    parser.add_argument("--profile", action="store_true", help="cProfile the small-op chain")
    return parser.parse_args()


ARGS = _parse_args()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)  # before NumPy (and its BLAS) is imported

import numpy as np  # noqa: E402

import chainrule as cr  # noqa: E402

from threads import limit_threads  # noqa: E402  (benchmarks/ is this script's folder)

try:
    import torch
except ImportError:
    torch = None


def _best_seconds(fn, repeat):
    """The fastest of ``repeat`` timed runs (after a warm-up): the least disturbed by other load."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def chain_step(lib, steps):
    """x -> tanh(x * 1.01 + 0.1), ``steps`` times, on 16 floats; sum; backward."""

    def run():
        x = lib.ones(16, requires_grad=True)
        y = x
        for _ in range(steps):
            y = (y * 1.01 + 0.1).tanh()
        y.sum().backward()
        return x.grad

    return run


def mlp_step(lib, rng):
    """One SGD step of a 784-256-10 MLP with ReLU and log-softmax cross-entropy (batch 128)."""
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    labels = lib.tensor(rng.integers(0, 10, 128))
    rows = lib.arange(128)
    params = [
        lib.tensor(rng.standard_normal(shape).astype(np.float32) * scale, requires_grad=True)
        for shape, scale in (((784, 256), 0.05), ((256,), 0.0), ((256, 10), 0.06), ((10,), 0.0))
    ]
    w1, b1, w2, b2 = params

    def run():
        hidden = (x @ w1 + b1).relu()
        logits = hidden @ w2 + b2
        loss = -logits.log_softmax(dim=1)[rows, labels].mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None
        return loss

    return run


def main():
    threads = limit_threads(ARGS.threads, torch)
    n_ops = 3 * ARGS.chain + 1
    cases = [
        (f"small-op chain ({n_ops} ops, fwd+bwd), us/op", lambda lib: chain_step(lib, ARGS.chain), 1e6 / n_ops),
        ("MLP 784-256-10 step (batch 128), ms", lambda lib: mlp_step(lib, np.random.default_rng(0)), 1e3),
    ]
    libs = [("chainrule", cr)] + ([("torch", torch)] if torch is not None else [])
    print(f"threads: {threads}")
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else ", torch not installed"))
    print(f"{'case':<48} {'chainrule':>10} {'torch':>10} {'ratio':>7}")
    for label, make, scale in cases:
        figures = [_best_seconds(make(lib), ARGS.repeat) * scale for _, lib in libs]
        if len(figures) == 2:
            print(f"{label:<48} {figures[0]:>10.2f} {figures[1]:>10.2f} {figures[0] / figures[1]:>6.2f}x")
        else:
            print(f"{label:<48} {figures[0]:>10.2f} {'-':>10} {'-':>7}")
    if ARGS.profile:
        import cProfile
        import pstats

        run = chain_step(cr, ARGS.chain)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            run()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
