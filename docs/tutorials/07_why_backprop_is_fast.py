"""Tutorial 7: why backpropagation is fast -- one backward pass against 23,860 forward passes.

Run:  python docs/tutorials/07_why_backprop_is_fast.py
or open it as a notebook (jupytext --to notebook docs/tutorials/07_why_backprop_is_fast.py).

Before backpropagation, the obvious way to get a gradient was finite differences: nudge one
weight by a small eps, run the network forward again, and read off
dC/dw ~ (C(w + eps) - C(w)) / eps. That is one extra forward pass per weight. Nielsen's
network [784, 30, 10] has 784*30 + 30 + 30*10 + 10 = 23,860 weights and biases, so one
gradient costs 23,861 forward passes. Backpropagation gets all 23,860 partial derivatives
from one forward and one backward pass, and the backward pass costs about as much as the
forward pass (docs/math.md, section 2: two matrix products per layer backward, one forward).
We time both on one example, check that they agree, and print the ratio (the times depend
on the machine; the count of passes does not).
"""
# %%
import time

import numpy as np

import chainrule as cr
from chainrule import models
from chainrule.nn import functional as F

cr.manual_seed(0)
model = models.nielsen((784, 30, 10)).double()   # sigmoid units, weights from N(0, 1)
params = list(model.parameters())
count = sum(int(np.prod(p.shape)) for p in params)
print(f"the [784, 30, 10] network has {count:,} weights and biases")
assert count == 23_860

# %%
rng = np.random.default_rng(0)
image = rng.uniform(0.0, 1.0, (1, 784))  # the cost of a pass does not depend on the pixels
target = np.eye(10)[[3]]

# %%
# --- backpropagation: one forward and one backward pass ---------------------------------
started = time.perf_counter()
model.zero_grad()
F.quadratic_cost(model(cr.tensor(image)), cr.tensor(target)).backward()
backprop_seconds = time.perf_counter() - started
backprop = np.concatenate([np.asarray(p.grad).ravel() for p in params])

# %%
# --- finite differences: one forward pass per weight ------------------------------------
w1, b1, w2, b2 = (np.asarray(p.detach()).copy() for p in params)
flat = [w1.reshape(-1), b1, w2.reshape(-1), b2]  # views: nudging them nudges the weights


def cost():
    """The network's forward pass in bare NumPy (cheaper than chainrule's, which records a
    graph): C = 1/2 ||a^2 - y||^2."""
    a1 = 1 / (1 + np.exp(-(image @ w1.T + b1)))
    a2 = 1 / (1 + np.exp(-(a1 @ w2.T + b2)))
    return 0.5 * np.sum((a2 - target) ** 2)


eps = 1e-6
started = time.perf_counter()
base = cost()
passes = 1
numeric = []
for values in flat:
    for i in range(values.size):
        original = values[i]
        values[i] = original + eps
        numeric.append((cost() - base) / eps)
        values[i] = original
        passes += 1
difference_seconds = time.perf_counter() - started
numeric = np.array(numeric)

# %%
largest = np.max(np.abs(numeric - backprop))
print(f"finite differences: {passes:,} forward passes in {difference_seconds:.2f} s")
print(f"backpropagation:    1 forward + 1 backward pass in {backprop_seconds * 1000:.2f} ms")
print(f"ratio on this machine: about {difference_seconds / backprop_seconds:,.0f} times faster")
print(f"largest difference between the two gradients: {largest:.1e} (the one-sided eps = {eps:g} error)")
assert passes == 23_861
assert largest < 1e-5
# The ratio grows with the network: finite differences cost (number of weights) forward
# passes, backpropagation a fixed two. For a network with millions of weights the first is
# out of reach and the second is what every framework does.
