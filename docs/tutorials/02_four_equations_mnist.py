"""Tutorial 2: the four equations of backpropagation on an MNIST network.

Run:  python docs/tutorials/02_four_equations_mnist.py
or open it as a notebook (jupytext --to notebook docs/tutorials/02_four_equations_mnist.py).

Nielsen's network [784, 30, 10] (sigmoid units, quadratic cost) learns MNIST by
mini-batch gradient descent. chainrule.explain.nielsen.backprop computes its gradients
with the four equations written out (docs/math.md, section 2):

    BP1  delta^L = grad_a C (.) sigma'(z^L)
    BP2  delta^l = ((w^{l+1})^T delta^{l+1}) (.) sigma'(z^l)
    BP3  dC/db^l = delta^l
    BP4  dC/dw^l = delta^l (a^{l-1})^T

We check them against autograd, then train for a few hundred steps using only them.
Uses real MNIST when it is in chainrule's data cache (`MNIST(download=True)` puts it
there), otherwise the embedded 8x8 digits (the script says which).
"""

# %%
import numpy as np

import chainrule as cr
from chainrule import models
from chainrule.data import MNIST, Digits
from chainrule.explain import show
from chainrule.explain.nielsen import backprop
from chainrule.nn import functional as F

# %%
if MNIST.is_available(train=True):  # in chainrule's data cache (MNIST(download=True) puts it there)
    train = MNIST(train=True)
    print(f"data: real MNIST from {train.root}")
else:
    train = Digits(train=True)
    print("data: MNIST not found; the embedded 8x8 digits instead")
images = train.data[:1000].reshape(1000, -1) / np.float64(train.scale)  # pixels in [0, 1]
labels = train.targets[:1000]
n_in = images.shape[1]

cr.manual_seed(0)
model = models.nielsen((n_in, 30, 10)).double()   # weights and biases from N(0, 1)

# %%
# --- one example: every z, a and delta is a vector --------------------------------------
result = backprop(model, images[0], labels[0])
print(f"one example (label {labels[0]}):")
for l, (z, a, delta) in enumerate(zip(result.zs, result.activations[1:], result.deltas), 1):
    print(f"  layer {l}: z^{l} {z.shape}, a^{l} {a.shape}, |delta^{l}| = {np.linalg.norm(delta):.4g}")

# %%
# --- a mini-batch in matrix form: the examples are columns -------------------------------
x, y = images[:10], labels[:10]
result = backprop(model, x, y)
print(f"mini-batch of 10: Z^1 {result.zs[0].shape}, Delta^2 {result.deltas[1].shape}, C = {result.cost:.4f}")
show(result)  # z^l, a^l, delta^l and the gradients of each layer: a table in a notebook

# %%
# autograd gives the same gradients (the cost is averaged over the batch)
model.zero_grad()
F.quadratic_cost(model(cr.tensor(x)), cr.tensor(y)).backward()
for name, param in model.named_parameters():
    difference = np.max(np.abs(result.grads[name] - param.grad.numpy()))
    print(f"  {name:<9} BP3/BP4 vs autograd: max |difference| = {difference:.1e}")
    assert difference < 1e-12

# the batch result is the mean of the single-example results (the SGD update rule)
mean_grad = np.mean([np.outer(backprop(model, x[i], y[i]).deltas[0], x[i]) for i in range(10)], axis=0)
assert np.allclose(mean_grad, result.grads["1.weight"], rtol=0, atol=1e-12)

# %%
# --- learning with the four equations only: w <- w - eta * dC/dw -------------------------
eta, batch = 3.0, 10
params = dict(model.named_parameters())
rng = np.random.default_rng(0)
costs = []
for epoch in range(2):
    order = rng.permutation(len(images))
    for start in range(0, len(images), batch):
        idx = order[start:start + batch]
        step = backprop(model, images[idx], labels[idx])
        for name, grad in step.grads.items():
            params[name].data -= eta * grad
        costs.append(step.cost)
    with cr.no_grad():
        accuracy = np.mean(model(cr.tensor(images)).detach().numpy().argmax(axis=1) == labels)
    print(f"epoch {epoch + 1}: mean cost {np.mean(costs[-len(images) // batch:]):.4f}, "
          f"training accuracy {accuracy:.1%}")
assert np.mean(costs[-50:]) < np.mean(costs[:50])
