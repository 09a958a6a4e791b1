"""Tutorial 5: diagnosing vanishing gradients in a deep sigmoid network.

Run:  python docs/tutorials/05_vanishing_gradients.py [OUTPUT_DIR]
or open it as a notebook (jupytext --to notebook docs/tutorials/05_vanishing_gradients.py).

By BP2, delta^l = ((w^{l+1})^T delta^{l+1}) (.) sigma'(z^l): every layer back multiplies
the error by sigma'(z) <= 1/4 (and by the weights). In a deep sigmoid network the
errors -- and with them the gradients dC/db^l = delta^l and dC/dw^l = delta^l (a^{l-1})^T
-- shrink layer by layer toward the input: the early layers learn slowest (Nielsen,
chapter 5). We measure it with the four equations, then watch it during training with
chainrule.explain.GradientDiagnostics (what `chainrule train --diagnostics` records),
and compare a ReLU network.
"""
# %%
import sys
import tempfile
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import MNIST, DataLoader, Digits, TensorDataset
from chainrule.explain import GradientDiagnostics
from chainrule.explain.nielsen import backprop
from chainrule.nn import functional as F

# A notebook kernel's argv holds the kernel's own "-f FILE", not an output directory.
given = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None
out_dir = Path(given) if given else Path(tempfile.mkdtemp(prefix="chainrule-"))
out_dir.mkdir(parents=True, exist_ok=True)
if MNIST.is_available(train=False):  # in chainrule's data cache (MNIST(download=True) puts it there)
    dataset, source = MNIST(train=False), "real MNIST (test set)"
else:
    dataset, source = Digits(train=True), "the embedded 8x8 digits (MNIST not found)"
images, labels = dataset.get_batch(np.arange(600))
images = images.reshape(600, -1)
print(f"data: 600 images of {source}")


# %%
def deep_network(activation, hidden=(30, 30, 30, 30)):
    sizes = (images.shape[1],) + hidden + (10,)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


# %%
# --- 1. the four equations on one batch: ||delta^l||, the speed of learning of layer l ---
cr.manual_seed(0)
sigmoid_net = deep_network(nn.Sigmoid).double()
result = backprop(sigmoid_net, images[:100], labels[:100], cost="cross_entropy")
speeds = [float(np.linalg.norm(d.mean(axis=1))) for d in result.deltas]  # ||dC/db^l||
print("speed of learning ||dC/db^l|| by layer (input side first):")
for l, speed in enumerate(speeds, 1):
    print(f"  layer {l}: {speed:.3e}" + ("  (output)" if l == len(speeds) else ""))
assert speeds[0] < speeds[-2], "the first hidden layer should learn slower than the last"


# %%
# --- 2. watch it during training ------------------------------------------------------
def train(model, name, epochs=2):
    loader = DataLoader(TensorDataset(images, labels), batch_size=20, shuffle=True)
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    diagnostics = GradientDiagnostics(model)
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            diagnostics.step()
        summary = diagnostics.end_epoch()
    diagnostics.close()
    layers = [key.split("/")[1] for key in summary if key.startswith("delta/")]
    deltas = [summary[f"delta/{layer}"] for layer in layers]
    print(f"{name}: mean |delta| per layer in the last epoch (input side first)")
    print("  " + "  ".join(f"{layer}: {value:.2e}" for layer, value in zip(layers, deltas)))
    diagnostics.plot(out_dir / f"diagnostics-{name}.png")
    return deltas


# %%
cr.manual_seed(1)
sigmoid_deltas = train(deep_network(nn.Sigmoid), "sigmoid")
cr.manual_seed(1)
relu_deltas = train(deep_network(nn.ReLU), "relu")
sigmoid_ratio = sigmoid_deltas[-1] / sigmoid_deltas[0]
relu_ratio = relu_deltas[-1] / relu_deltas[0]
print(f"last layer / first layer: sigmoid {sigmoid_ratio:.0f}x, relu {relu_ratio:.1f}x")
assert all(a < b for a, b in zip(sigmoid_deltas, sigmoid_deltas[1:])), "sigmoid deltas should grow toward the output"
assert sigmoid_ratio > 10 * relu_ratio
print(f"plots: {out_dir / 'diagnostics-sigmoid.png'} and {out_dir / 'diagnostics-relu.png'}")
