"""Fused ops against their composed references, forward + backward, and optimizer steps.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/nn_ops.py

Prints microseconds per call (best of 5 repeats); nothing is asserted.
"""
import timeit

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.nn import functional as F
from chainrule.ops.linear import linear_composed
from chainrule.ops.loss import cross_entropy_composed

rng = np.random.default_rng(0)


def best_us(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def forward_backward(fn, *inputs):
    def run():
        for t in inputs:
            t.grad = None
        fn(*inputs).sum().backward()
    return run


def leaf(*shape):
    return cr.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)


def main():
    for batch in (10, 128):
        x, w, b = leaf(batch, 784), leaf(100, 784), leaf(100)
        fused = best_us(forward_backward(F.linear, x, w, b), 300)
        composed = best_us(forward_backward(linear_composed, x, w, b), 300)
        print(f"linear 784->100, batch {batch:>3}: fused {fused:7.1f} us, composed {composed:7.1f} us")
        x_const = cr.tensor(x.data)
        no_dx = best_us(forward_backward(lambda w_, b_: F.linear(x_const, w_, b_), w, b), 300)
        print(f"  input without grad (dX skipped): {no_dx:7.1f} us")
    for batch in (10, 128):
        logits, target = leaf(batch, 10), rng.integers(0, 10, batch)
        fused = best_us(forward_backward(lambda z: F.cross_entropy(z, target), logits), 1000)
        composed = best_us(forward_backward(lambda z: cross_entropy_composed(z, target), logits), 1000)
        print(f"cross_entropy 10 classes, batch {batch:>3}: fused {fused:6.1f} us, composed {composed:6.1f} us")
    model = nn.Linear(784, 100)
    model(cr.randn(4, 784)).sum().backward()
    for name, opt in (("SGD", optim.SGD(model.parameters(), lr=0.1)),
                      ("SGD momentum+wd", optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)),
                      ("Adam", optim.Adam(model.parameters())), ("RMSprop", optim.RMSprop(model.parameters()))):
        print(f"{name:>16} step, 78,500 float32 params: {best_us(opt.step, 300):7.1f} us")


if __name__ == "__main__":
    main()
