"""Tutorial 3: backpropagation as the F-adjoint of the forward sweep.

Run:  python docs/tutorials/03_f_adjoint.py
or open it as a notebook (jupytext --to notebook docs/tutorials/03_f_adjoint.py).

Boughammoura's formulation (docs/math.md, section 3) writes backpropagation for an MLP
A[N_0, ..., N_L] as two alternating sweeps, with the biases folded into the weights
(every activation vector fed to a layer gets a constant last component 1):

    F-propagation   Y^l = W^l X^{l-1},          X^l = sigma(Y^l)
    F-adjoint       Y*^l = X*^l (.) sigma'(Y^l), X*^{l-1} = (W#^l)^T Y*^l
    theorem         dJ/dW^l = Y*^l (X^{l-1})^T

started from X*^L = dJ/dX^L; W#^l is W^l without its bias column.
"""
# %%
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.explain import show
from chainrule.explain.fadjoint import fadjoint
from chainrule.explain.nielsen import backprop
from chainrule.nn import functional as F

cr.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid()).double()
x = np.array([0.5, -1.0, 2.0])
y = np.array([1.0, 0.0])  # a one-hot target for the quadratic cost J = 1/2 ||X^L - y||^2

result = fadjoint(model, x, y)
show(result)  # a notebook shows it as a table, one row per layer

# %%
print("F-propagation  F(X^0) = {X^0, Y^1, X^1, Y^2, X^2}")
print(f"  X^0 = {np.round(result.X[0], 4)}   (x with its constant 1)")
for l in (1, 2):
    print(f"  Y^{l} = {np.round(result.Y[l - 1], 4)}")
    print(f"  X^{l} = {np.round(result.X[l], 4)}" + ("   (a^1 with its constant 1)" if l == 1 else "   (the output)"))
print("F-adjoint, from X*^2 = dJ/dX^2 = X^2 - y")
for l in (2, 1):
    print(f"  X*^{l} = {np.round(result.X_star[l], 4)}")
    print(f"  Y*^{l} = {np.round(result.Y_star[l - 1], 4)}")
print(f"  X*^0 = {np.round(result.X_star[0], 4)}   (dJ/dx: no adjoint for the constant 1)")

# %%
# The theorem: dJ/dW^l = Y*^l (X^{l-1})^T, i.e. weights and bias column at once
W1_grad = np.outer(result.Y_star[0], result.X[0])
print("dJ/dW^1 = Y*^1 (X^0)^T =\n", np.round(W1_grad, 4))

# the same numbers from autograd ...
model.zero_grad()
(0.5 * cr.sum((model(cr.tensor(x)) - cr.tensor(y)) ** 2)).backward()
assert np.allclose(W1_grad[:, :-1], model[0].weight.grad.numpy(), rtol=0, atol=1e-12)
assert np.allclose(W1_grad[:, -1], model[0].bias.grad.numpy(), rtol=0, atol=1e-12)
# ... and from the four equations: Y* is Nielsen's delta, X* is W^T delta
bp = backprop(model, x, y)
for l in range(2):
    assert np.allclose(result.Y_star[l], bp.deltas[l], rtol=0, atol=1e-15)
print("Y*^l equals Nielsen's delta^l; the gradients equal autograd's (to 1e-12)")

# %%
# A mini-batch: J is the mean cost, the examples are columns, X*^L carries the 1/m
rng = np.random.default_rng(1)
xb, labels = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
batch = fadjoint(model, xb, labels, cost="cross_entropy")
model.zero_grad()
F.cross_entropy(model(cr.tensor(xb)), cr.tensor(labels)).backward()
for name, param in model.named_parameters():
    difference = np.max(np.abs(batch.grads[name] - param.grad.numpy()))
    print(f"  batch of 5, cross-entropy, {name:<8} max |difference| = {difference:.1e}")
    assert difference < 1e-12
