"""Tutorial 10: the F-adjoint on XOR, with the paper's summed cost.

Run:  python docs/tutorials/10_fadjoint_xor.py
or open it as a notebook (jupytext --to notebook docs/tutorials/10_fadjoint_xor.py).

Boughammoura's example is the network A[2, 2, 1] of sigmoid units learning XOR from its
four examples, with the cost J = 1/2 * sum over the examples of ||X^2 - t||^2: a *sum*, not
a mean (docs/math.md, section 3). chainrule's losses average by default. Here we use
fadjoint(..., reduction="sum") and, for autograd, F.mse_loss(..., reduction="sum") / 2, and
we see that with a mean every gradient is divided by 4. Then we train by gradient descent on
the F-adjoint's gradients alone and check that the network has learnt XOR.
"""
# %%
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.explain import show
from chainrule.explain.fadjoint import fadjoint
from chainrule.nn import functional as F

inputs = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
targets = np.array([[0.0], [1.0], [1.0], [0.0]])

cr.manual_seed(3)
model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()

# %%
# --- one F-propagation and its F-adjoint, against autograd -------------------------------
summed = fadjoint(model, inputs, targets, reduction="sum")
mean = fadjoint(model, inputs, targets)
show(summed)  # every layer's X, Y, X*, Y*: a table in a notebook
print(f"X^0 (one example per column, the constant 1 last):\n{summed.X[0]}")
print(f"X^2, the outputs: {np.round(summed.X[2], 4)}")
print(f"J (sum) = {summed.cost:.6f}; the mean would be {mean.cost:.6f} = J / 4")
model.zero_grad()
loss = 0.5 * F.mse_loss(model(cr.tensor(inputs)), cr.tensor(targets), reduction="sum")
loss.backward()
for name, param in model.named_parameters():
    assert np.allclose(summed.grads[name], np.asarray(param.grad), rtol=0, atol=1e-12)
    assert np.allclose(mean.grads[name], summed.grads[name] / 4, rtol=0, atol=1e-15)
print("dJ/dW^l = Y*^l (X^(l-1))^T equals autograd's gradient of the summed cost (to 1e-12)")
print(f"dJ/dW^1 (weights | bias column):\n{np.round(np.column_stack([summed.grads['0.weight'], summed.grads['0.bias']]), 6)}")
assert abs(summed.cost - loss.item()) < 1e-12 and abs(mean.cost * 4 - summed.cost) < 1e-12

# %%
# --- gradient descent on the F-adjoint's gradients ---------------------------------------
eta = 2.0
for step in range(3000):
    result = fadjoint(model, inputs, targets, reduction="sum")
    with cr.no_grad():
        for name, param in model.named_parameters():
            param -= eta * cr.tensor(result.grads[name])
    if step % 1000 == 0:
        print(f"step {step:4d}: J = {result.cost:.6f}")
final = fadjoint(model, inputs, targets, reduction="sum")
outputs = final.X[2][0]
print(f"after 3000 steps: J = {final.cost:.6f}, outputs {np.round(outputs, 3)} for targets {targets[:, 0]}")
assert np.array_equal(outputs.round(), targets[:, 0]) and final.cost < 0.01
print("the network computes XOR")
