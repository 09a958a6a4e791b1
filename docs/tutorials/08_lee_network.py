"""Tutorial 8: Hung-yi Lee's network -- the forward pass and the backward pass as a reverse network.

Run:  python docs/tutorials/08_lee_network.py
or open it as a notebook (jupytext --to notebook docs/tutorials/08_lee_network.py).

Lee's lecture builds a fully connected network of sigmoid neurons with 2 inputs, two hidden
layers of 2 and an output layer of 2, with small integer weights, and runs it on two
inputs. Each layer is one matrix operation, sigma(W a + b) (docs/math.md, section 5). Then
backpropagation in his words: dC/dw = dz/dw * dC/dz for the weight w feeding the sum z.
- the forward pass gives dz/dw: it is the input a that w multiplies;
- the backward pass gives dC/dz for every neuron, starting at the output layer and running
  the network in reverse: a hidden neuron's dC/dz = sigma'(z) * (sum over the neurons it
  feeds of their weight times their dC/dz).
"""
# %%
import numpy as np

import chainrule as cr
from chainrule.nn import functional as F

# %%
# The lecture's weights: row j of W holds the weights into neuron j of the layer.
WEIGHTS = [np.array([[1.0, -2.0], [-1.0, 1.0]]), np.array([[2.0, -1.0], [-2.0, -1.0]]),
           np.array([[3.0, -1.0], [-1.0, 4.0]])]
BIASES = [np.array([1.0, 0.0]), np.array([0.0, 0.0]), np.array([-2.0, 2.0])]
W = [cr.tensor(w, requires_grad=True) for w in WEIGHTS]
b = [cr.tensor(v, requires_grad=True) for v in BIASES]


def forward(x):
    """Every layer's z and a for input x: a^l = sigma(W^l a^(l-1) + b^l)."""
    zs, activations = [], [cr.tensor(x)]
    for weight, bias in zip(W, b):
        zs.append(F.linear(activations[-1], weight, bias))
        activations.append(cr.sigmoid(zs[-1]))
    return zs, activations


# %%
for x in ([1.0, -1.0], [0.0, 0.0]):
    _, activations = forward(np.array(x))
    layers = "  ->  ".join(str(np.round(np.asarray(a.detach()), 2)) for a in activations[1:])
    print(f"input {x}: {layers}")
_, ones = forward(np.array([1.0, -1.0]))
_, zeros = forward(np.array([0.0, 0.0]))
assert np.allclose(np.asarray(ones[-1].detach()), [0.62, 0.83], atol=0.005)   # the lecture's numbers
assert np.allclose(np.asarray(zeros[-1].detach()), [0.51, 0.85], atol=0.005)

# %%
# --- backpropagation by hand, for input (1, -1) and target (1, 0) -----------------------
x, target = np.array([1.0, -1.0]), np.array([1.0, 0.0])
zs, activations = forward(x)
a = [np.asarray(t.detach()) for t in activations]          # a[0] = x, a[3] = the output
sigma_prime = [a[l + 1] * (1 - a[l + 1]) for l in range(3)]
# Output layer: C = 1/2 ||a - y||^2, so dC/dz = sigma'(z) * (a - y).
dC_dz = [None, None, sigma_prime[2] * (a[3] - target)]
# Hidden layers: the reverse network. Its "inputs" are the output layer's dC/dz; each
# hidden neuron sums its outgoing weights times them, then multiplies by sigma'(z): an
# amplifier with a constant gain, since z is known from the forward pass.
for l in (1, 0):
    dC_dz[l] = sigma_prime[l] * (WEIGHTS[l + 1].T @ dC_dz[l + 1])
# dC/dw = dz/dw * dC/dz, and dz/dw is the input a the weight multiplies (the forward pass).
by_hand = [np.outer(dC_dz[l], a[l]) for l in range(3)]
for l in range(3):
    print(f"layer {l + 1}: dC/dz = {np.round(dC_dz[l], 4)}, dC/dW = {np.round(by_hand[l], 4).tolist()}")

# %%
# The same numbers from chainrule's engine.
cost = 0.5 * cr.sum((activations[-1] - cr.tensor(target)) ** 2)
cost.backward()
for l in range(3):
    assert np.allclose(by_hand[l], np.asarray(W[l].grad), rtol=0, atol=1e-12)
    assert np.allclose(dC_dz[l], np.asarray(b[l].grad), rtol=0, atol=1e-12)   # dz/db = 1
print("the reverse network gives autograd's gradients (to 1e-12); dC/db = dC/dz, since dz/db = 1")
