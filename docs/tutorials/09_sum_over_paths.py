"""Tutorial 9: the sum over paths -- Nielsen's "big picture" of backpropagation.

Run:  python docs/tutorials/09_sum_over_paths.py
or open it as a notebook (jupytext --to notebook docs/tutorials/09_sum_over_paths.py).

A small change dw in one weight w^l_jk of layer l changes the activation a^l_j it feeds,
which changes every activation of the next layer, and so on to the cost. Following every
path from w^l_jk to C and multiplying the rates of change along it, Nielsen writes

    dC/dw^l_jk = sum over all paths j = q_l, q_(l+1), ..., q_L of
                 dC/da^L_(q_L) * prod_i da^(i+1)_(q_(i+1)) / da^i_(q_i) * da^l_j / dw^l_jk

where each rate is a sigmoid's derivative times a weight: da^(i+1)_q / da^i_p =
sigma'(z^(i+1)_q) w^(i+1)_qp, and da^l_j / dw^l_jk = sigma'(z^l_j) a^(l-1)_k.
Backpropagation computes the same sum without listing the paths: BP2 adds up, layer by
layer, the contributions of every path through each neuron (docs/math.md, section 2). We
enumerate the paths of a [2, 3, 3, 2] network and check the sum against autograd.
"""
# %%
import itertools

import numpy as np

import chainrule as cr
from chainrule import nn

# %%
cr.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 3), nn.Sigmoid(),
                      nn.Linear(3, 2), nn.Sigmoid()).double()
linears = [model[0], model[2], model[4]]
x, y = np.array([0.5, -1.5]), np.array([1.0, 0.0])

cost = 0.5 * cr.sum((model(cr.tensor(x)) - cr.tensor(y)) ** 2)
cost.backward()

# %%
# The forward values each rate needs.
weights = [np.asarray(layer.weight.detach()) for layer in linears]
a = [x]
for weight, layer in zip(weights, linears):
    a.append(1 / (1 + np.exp(-(weight @ a[-1] + np.asarray(layer.bias.detach())))))
sigma_prime = [None] + [a_l * (1 - a_l) for a_l in a[1:]]   # sigma'(z^l) = a^l (1 - a^l)
dC_da_out = a[-1] - y


# %%
def by_paths(j, k):
    """dC/dw^1_jk as the explicit sum over every path from a^1_j to the cost."""
    total, paths = 0.0, []
    for q2, q3 in itertools.product(range(3), range(2)):   # one neuron in layer 2, one in layer 3
        rate = sigma_prime[1][j] * a[0][k]                     # da^1_j / dw^1_jk
        rate *= sigma_prime[2][q2] * weights[1][q2, j]         # da^2_q2 / da^1_j
        rate *= sigma_prime[3][q3] * weights[2][q3, q2]        # da^3_q3 / da^2_q2
        rate *= dC_da_out[q3]                                  # dC / da^3_q3
        paths.append(((j, q2, q3), rate))
        total += rate
    return total, paths


total, paths = by_paths(0, 1)
# %%
print("dC/dw^1_01 as a sum over the 6 paths from neuron 0 of layer 1 to the cost:")
for (j, q2, q3), rate in paths:
    print(f"  path a1[{j}] -> a2[{q2}] -> a3[{q3}] -> C: {rate:+.8f}")
print(f"  sum = {total:.10f}; autograd: {np.asarray(linears[0].weight.grad)[0, 1]:.10f}")
for j, k in itertools.product(range(3), range(2)):
    assert abs(by_paths(j, k)[0] - np.asarray(linears[0].weight.grad)[j, k]) < 1e-14
print("every weight of layer 1: the sum over paths equals autograd's gradient (to 1e-14)")
