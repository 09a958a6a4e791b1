"""Tutorial 4: backpropagation through a CNN, layer by layer.

Run:  python docs/tutorials/04_cnn_layer_by_layer.py
or open it as a notebook (jupytext --to notebook docs/tutorials/04_cnn_layer_by_layer.py).

A small convolutional network -- conv, batch norm, ReLU, max pooling, a fully connected
layer and softmax cross-entropy -- runs forward and backward on four digits. Forward
hooks keep every layer's input and output; then each layer's backward is recomputed
from the formulas of docs/math.md (section 4), whole-tensor operations only, and compared
with what autograd produced. Uses real MNIST when it is in chainrule's data cache
(`MNIST(download=True)` puts it there), otherwise the embedded 8x8 digits.
"""
# %%
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.data import MNIST, Digits
from chainrule.explain.examples import correlate
from chainrule.nn import functional as F

# %%
if MNIST.is_available(train=False):  # in chainrule's data cache (MNIST(download=True) puts it there)
    dataset, source = MNIST(train=False), "real MNIST test images"
else:
    dataset, source = Digits(train=False), "the embedded 8x8 digits (MNIST not found)"
images, labels = dataset.get_batch(np.arange(4))
x = cr.tensor(images.astype(np.float64), requires_grad=True)  # (4, 1, H, W)
y = cr.tensor(labels)
size = images.shape[-1]
print(f"input: 4 {source}, shape {images.shape}, labels {labels.tolist()}")

# %%
cr.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(3 * (size // 2) ** 2, 10),
).double()

seen = {}  # layer index -> (input, output), every output keeping its gradient


def keep(index):
    def hook(module, inputs, output):
        output.retain_grad()
        seen[index] = (inputs[0], output)
    return hook


for index, layer in enumerate(model):
    layer.register_forward_hook(keep(index))
logits = model(x)
loss = F.cross_entropy(logits, y)
loss.backward()
print(f"loss {loss.item():.4f}")


# %%
def grad_in(index):
    """dL/d(input of layer index): the gradient of the previous output, or of x."""
    return x.grad.numpy() if index == 0 else seen[index - 1][1].grad.numpy()


checks = []


def check(layer, what, formula, autograd):
    difference = float(np.max(np.abs(formula - autograd)))
    checks.append((layer, what, difference))
    print(f"  {layer:<10} {what:<68} max |difference| = {difference:.1e}")


print("each layer's backward from the formulas of docs/math.md vs autograd:")
# %%
# softmax + cross-entropy: dL/dlogits = (softmax(logits) - onehot(y)) / n
z = logits.detach().numpy()
softmax = np.exp(z - z.max(axis=1, keepdims=True))
softmax /= softmax.sum(axis=1, keepdims=True)
check("loss", "dlogits = (softmax - y) / n", (softmax - np.eye(10)[labels]) / 4, logits.grad.numpy())

# %%
# fully connected y = x W^T + b: dx = dy W, dW = dy^T x, db = sum over the batch of dy
inp, out = seen[5]
fc = model[5]
check("linear", "dx = dy W", out.grad.numpy() @ fc.weight.detach().numpy(), grad_in(5))
check("linear", "dW = dy^T x", out.grad.numpy().T @ inp.detach().numpy(), fc.weight.grad.numpy())
check("linear", "db = dy summed over the batch", out.grad.numpy().sum(axis=0), fc.bias.grad.numpy())

# flatten: the gradient takes the input's shape back
inp, out = seen[4]
check("flatten", "dx = dy reshaped", out.grad.numpy().reshape(inp.shape), grad_in(4))

# %%
# max pooling 2x2: each window's gradient goes to its (first) maximum, 0 elsewhere
inp, out = seen[3]
n, c, h, w = inp.shape
windows = inp.detach().numpy().reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
winner = np.eye(4)[windows.argmax(axis=-1)]                       # one-hot position of the max
routed = (winner * out.grad.numpy()[..., None]).reshape(n, c, h // 2, w // 2, 2, 2)
check("maxpool", "dx = dy routed to each window's maximum", routed.transpose(0, 1, 2, 4, 3, 5).reshape(inp.shape), grad_in(3))

# ReLU: dx = dy (.) [x > 0]
inp, out = seen[2]
check("relu", "dx = dy (.) [x > 0]", out.grad.numpy() * (inp.detach().numpy() > 0), grad_in(2))

# %%
# batch norm over (n, h, w) per channel
inp, out = seen[1]
bn, axes, N = model[1], (0, 2, 3), n * h * w
mean, var = inp.detach().numpy().mean(axis=axes, keepdims=True), inp.detach().numpy().var(axis=axes, keepdims=True)
x_hat = (inp.detach().numpy() - mean) / np.sqrt(var + bn.eps)
dy = out.grad.numpy()
gamma = bn.weight.detach().numpy().reshape(1, -1, 1, 1)
dx = gamma / np.sqrt(var + bn.eps) / N * (N * dy - dy.sum(axis=axes, keepdims=True)
                                          - x_hat * (dy * x_hat).sum(axis=axes, keepdims=True))
check("batchnorm", "dgamma = sum(dy x_hat)", (dy * x_hat).sum(axis=axes), bn.weight.grad.numpy())
check("batchnorm", "dbeta = sum(dy)", dy.sum(axis=axes), bn.bias.grad.numpy())
check("batchnorm", "dx = (1/N) gamma/sqrt(var+eps) (N dy - sum dy - x_hat sum(dy x_hat))", dx, grad_in(1))

# %%
# convolution (padding 1): db, dw = x (*) dy, dx = full convolution of dy with the kernel rotated
inp, out = seen[0]
conv, dy = model[0], seen[0][1].grad.numpy()
padded = np.pad(inp.detach().numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
check("conv", "db = dy summed over n, h, w", dy.sum(axis=(0, 2, 3)), conv.bias.grad.numpy())
check("conv", "dw = cross-correlation of the (padded) input with dy", correlate(padded, dy), conv.weight.grad.numpy())
rotated = conv.weight.detach().numpy()[:, :, ::-1, ::-1]
full = np.pad(dy, ((0, 0), (0, 0), (2, 2), (2, 2)))
dx_padded = correlate(full.transpose(1, 0, 2, 3), rotated).transpose(1, 0, 2, 3)
check("conv", "dx = full convolution of dy with w rotated 180 deg (padding cut)", dx_padded[:, :, 1:-1, 1:-1], x.grad.numpy())

# %%
worst = max(d for _, _, d in checks)
print(f"largest difference over {len(checks)} checks: {worst:.1e}")
assert worst < 1e-10
