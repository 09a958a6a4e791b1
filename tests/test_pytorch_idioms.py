"""One-line idioms of PyTorch training code, each run twice on the same inputs: with ``torch``
being PyTorch and with ``torch`` being chainrule (``import chainrule as torch``, ``nn``,
``F``, ``optim``, ``data`` likewise). The results must be equal: float64 values to 1e-12,
integers, booleans, shapes and dtype names exactly; where PyTorch raises, chainrule raises
the same built-in exception type.

An idiom is a lambda whose parameter names pick what it uses from the namespace of one
library (``torch nn F optim data`` and the inputs built by ``namespace``), so that its body
reads as it would in a PyTorch script. ``DIFFERS`` holds the deliberate differences listed in
docs/pytorch.md: there each lambda states chainrule's documented behaviour.
"""
import copy
import inspect
import math
from collections import OrderedDict

import numpy as np
import pytest

import chainrule

torch_ = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
X = RNG.standard_normal((4, 5))
Y = np.array([0, 2, 1, 2])
V = RNG.standard_normal(5)
IMG = RNG.standard_normal((2, 3, 6, 6))
MASK = RNG.random((4, 5)) > 0.5
IDX = np.array([[1, 3, 5], [7, 9, 0]])
SEQ = RNG.standard_normal((2, 3, 5))  # (batch, time, features)
MODEL_WEIGHTS = {"0.weight": RNG.standard_normal((8, 5)) / 2, "0.bias": RNG.standard_normal(8) / 2,
                 "2.weight": RNG.standard_normal((3, 8)) / 2, "2.bias": RNG.standard_normal(3) / 2}


def libraries(name):
    if name == "torch":
        import torch
        return torch, torch.nn, torch.nn.functional, torch.optim, torch.utils.data
    import chainrule
    import chainrule.nn
    import chainrule.nn.functional
    import chainrule.optim
    import chainrule.utils.data
    return chainrule, chainrule.nn, chainrule.nn.functional, chainrule.optim, chainrule.utils.data


def namespace(name, tmp):
    """The library's modules and fresh inputs built from the same arrays; ``tmp`` a folder."""
    torch, nn, F, optim, data = libraries(name)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    model.load_state_dict({k: torch.tensor(v) for k, v in MODEL_WEIGHTS.items()})
    x, y = torch.tensor(X), torch.tensor(Y)
    ds = data.TensorDataset(x, y)
    return dict(
        torch=torch, nn=nn, F=F, optim=optim, data=data, np=np, copy=copy, math=math,
        OrderedDict=OrderedDict, x=x, y=y, v=torch.tensor(V), img=torch.tensor(IMG),
        w=torch.tensor(V, requires_grad=True), mask=torch.tensor(MASK), idx=torch.tensor(IDX),
        model=model, ds=ds, loader=data.DataLoader(ds, batch_size=3),
        device=torch.device("cpu"), seq=torch.tensor(SEQ), tmp=str(tmp),
    )


# ---- helpers for idioms that are statements in a script ------------------------------------------
def assign(t, index, value):
    t[index] = value
    return t


def within(context, fn):
    with context:
        return fn()


def grads(loss, *tensors, **backward):
    loss.backward(**backward)
    return [t.grad for t in tensors]


def train(model, opt, x, y, F, steps=3, scheduler=None):
    """The classic loop; returns the parameters and the learning rate after it."""
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
    return list(model.parameters()), opt.param_groups[0]["lr"], loss.item()


def manual_sgd(torch, model, x, y, F, lr=0.1):
    """The hand-written update of the 60-minute blitz: p -= lr * p.grad under no_grad."""
    F.cross_entropy(model(x), y).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return list(model.parameters())


def unroll(cell, seq):
    """h_t = cell(x_t, h_{t-1}) over the time steps of a (batch, time, features) ``seq``."""
    h = None
    for t in range(seq.size(1)):
        h = cell(seq[:, t], h)
    return h


def init_weights(nn):
    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.01)
            nn.init.zeros_(m.bias)
    return init


def net_class(torch, nn, F):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(5, 4)
            self.fc2 = nn.Linear(4, 3)
            self.register_buffer("steps", torch.zeros(1))

        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x)))
    return Net


def dataset_class(data, torch):
    class Squares(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return torch.tensor([float(i)]), i * i
    return Squares


def seeded(module, torch):
    """``module`` in float64 with weights drawn from one NumPy generator (the same in both libraries)."""
    rng = np.random.default_rng(5)
    module.double().load_state_dict(
        {k: torch.tensor(rng.standard_normal(tuple(v.shape)) * 0.3) for k, v in module.state_dict().items()})
    return module


def resume(torch, optim, model, x, y, F, path):
    """Train one step, save model and optimizer in one checkpoint, load it into a copy, train on."""
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, opt, x, y, F, steps=1)
    torch.save({"epoch": 1, "model": model.state_dict(), "optimizer": opt.state_dict()}, path)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    copy_ = copy.deepcopy(model)
    copy_.load_state_dict(checkpoint["model"])
    opt2 = optim.SGD(copy_.parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"], train(copy_, opt2, x, y, F, steps=2)


IDIOMS = {
    # ---- making tensors, dtypes -----------------------------------------------------------------
    "tensor-int-is-int64": lambda torch: torch.tensor([1, 2]).dtype == torch.int64,
    "tensor-float-is-float32": lambda torch: torch.tensor([1.0, 2.0]).dtype,
    "tensor-bool-dtype": lambda torch: torch.tensor([True, False]).dtype == torch.bool,
    "zeros": lambda torch: torch.zeros(2, 3),
    "zeros-tuple-size": lambda torch: torch.zeros((2, 3), dtype=torch.float64),
    "ones-long": lambda torch: torch.ones(3, dtype=torch.long),
    "arange-view": lambda torch: torch.arange(10).view(2, 5),
    "arange-float-step": lambda torch: torch.arange(0, 1, 0.25),
    "linspace": lambda torch: torch.linspace(0, 1, 5),
    "eye": lambda torch: torch.eye(3),
    "full": lambda torch: torch.full((2, 2), 7.0),
    "zeros-like": lambda torch, x: torch.zeros_like(x),
    "ones-like-dtype": lambda torch, x: torch.ones_like(x, dtype=torch.int64),
    "from-numpy-float": lambda torch, np: torch.from_numpy(np.arange(6.0)).float(),
    "from-numpy-shares-memory": lambda torch, np: (lambda a: (torch.from_numpy(a), a.fill(9))[0])(np.zeros(3)),
    "tensor-from-ndarray": lambda torch, np: torch.tensor(np.array([1, 2])).dtype,
    "scalar-item": lambda torch: torch.tensor(3.5).item(),
    "int-item-is-int": lambda torch: torch.tensor([4]).item(),
    "randn-requires-grad": lambda torch: (lambda t: (t.shape, t.dtype, t.requires_grad, t.is_leaf))(
        torch.randn(3, 4, requires_grad=True)),
    "manual-seed-repeats": lambda torch: torch.equal(
        (torch.manual_seed(0), torch.rand(3))[1], (torch.manual_seed(0), torch.rand(3))[1]),
    "randint-shape-dtype": lambda torch: (lambda t: (t.shape, t.dtype, bool(((t >= 0) & (t < 10)).all())))(
        torch.randint(0, 10, (5,))),
    "randperm-is-permutation": lambda torch: torch.randperm(6).sort().values,
    "empty-shape": lambda torch: torch.empty(2, 3).shape,
    "rand-like-range": lambda torch, x: (lambda r: (r.shape, r.dtype, bool((r >= 0).all() and (r < 1).all())))(
        torch.rand_like(x)),
    "float-mean": lambda torch: torch.tensor([[1, 2], [3, 4]]).float().mean(),
    "double-long-casts": lambda x: (x.float().dtype, x.double().dtype, x.long().dtype, x.int().dtype),
    "to-dtype": lambda torch, x: x.to(torch.float32).dtype,
    "long-truncates": lambda x: (x * 3).long(),
    "bool-to-float": lambda mask: mask.float().sum(),
    "is-floating-point": lambda x, y: (x.is_floating_point(), y.is_floating_point()),
    "is-tensor": lambda torch, x, np: (torch.is_tensor(x), torch.is_tensor(np.zeros(2))),
    "isinstance-tensor": lambda torch, x: isinstance(x, torch.Tensor),
    # ---- devices ----------------------------------------------------------------------------------
    "device-pick": lambda torch: str(torch.device("cuda" if torch.cuda.is_available() else "cpu")),
    "to-device": lambda x, device: x.to(device),
    "to-device-dtype": lambda torch, x, device: x.to(device, torch.float32).dtype,
    "device-type": lambda x: x.device.type,
    "model-to-device": lambda model, x, device: model.to(device)(x),
    # ---- back to Python and NumPy -----------------------------------------------------------------
    "cpu-numpy": lambda x: x.cpu().numpy(),
    "detach-cpu-numpy": lambda w: (w * 2).detach().cpu().numpy(),
    "tolist": lambda y: y.tolist(),
    "numel": lambda x: x.numel(),
    "dim-ndim": lambda img: (img.dim(), img.ndim),
    "size": lambda x: (x.size(), x.size(0), x.size(-1)),
    "shape-last": lambda x: x.shape[-1],
    "len-tensor": lambda x: len(x),
    "float-of-tensor": lambda x: float(x.sum()),
    "int-of-tensor": lambda y: int(y.max()),
    "format-loss": lambda x: f"{x.mean():.6f}",
    "iterate-rows": lambda x: [row.sum() for row in x],
    # ---- shapes -----------------------------------------------------------------------------------
    "view-minus-one": lambda x: x.view(-1, 10),
    "reshape": lambda x: x.reshape(5, 4),
    "unsqueeze-0": lambda x: x.unsqueeze(0).shape,
    "unsqueeze-last": lambda x: x.unsqueeze(-1).shape,
    "squeeze": lambda x: x[:1].squeeze(),
    "squeeze-dim": lambda x: x[:, :1].squeeze(1),
    "none-index": lambda x: (x[None].shape, x[:, None].shape),
    "permute-contiguous": lambda x: x.permute(1, 0).contiguous(),
    "permute-image": lambda img: img.permute(0, 2, 3, 1).contiguous().shape,
    "t-and-T": lambda x: (x.t(), x.T),
    "transpose": lambda img: img.transpose(1, 2).shape,
    "flatten-all": lambda x: x.flatten(),
    "flatten-from-1": lambda torch, img: torch.flatten(img, 1).shape,
    "view-batch": lambda img: img.view(img.size(0), -1),
    "cat-dim1": lambda torch, x: torch.cat([x, x * 2], dim=1),
    "cat-tuple-dim0": lambda torch, x: torch.cat((x, x)).shape,
    "stack": lambda torch, x: torch.stack([x, x + 1]).shape,
    "stack-dim1": lambda torch, v: torch.stack([v, v * 2], dim=1),
    "chunk": lambda x: x.chunk(2, dim=1),
    "split-size": lambda x: x.split(2, dim=1),
    "split-sizes": lambda torch, x: torch.split(x, [2, 3], dim=1),
    "repeat": lambda v: v.repeat(2, 1),
    "expand": lambda x: x.expand(2, 4, 5).shape,
    "expand-as": lambda x, v: v.expand_as(x),
    "flip": lambda x: x.flip(0),
    "ellipsis-index": lambda img: img[..., 0].shape,
    "last-column": lambda x: x[:, -1],
    "mask-index": lambda x, mask: x[mask],
    "list-index": lambda x: x[[0, 2]],
    "tensor-index": lambda torch, x: x[torch.tensor([0, 2])],
    "gather-labels": lambda x, y: x.gather(1, y.unsqueeze(1)).squeeze(1),
    "arange-label-pick": lambda torch, x, y: x[torch.arange(len(y)), y],
    "view-as": lambda x, v: x[0].view_as(v),
    "unbind": lambda x: x.unbind(1),
    # ---- reductions -------------------------------------------------------------------------------
    "sum": lambda x: (x.sum(), x.sum(dim=1), x.sum(1, keepdim=True)),
    "mean-dim0": lambda x: x.mean(dim=0),
    "mean-dims": lambda img: img.mean(dim=(0, 2, 3)),
    "std-var": lambda x: (x.std(), x.var(dim=1), x.std(0, unbiased=False)),
    "max-all": lambda x: x.max(),
    "max-dim-values-indices": lambda x: (lambda r: (r.values, r.indices))(x.max(dim=1)),
    "max-dim-unpack": lambda x: (lambda values, indices: (values, indices))(*x.max(1)),
    "max-index-1": lambda x: x.max(1)[1],
    "torch-max-predicted": lambda torch, x: torch.max(x, 1)[1],
    "min-values": lambda x: x.min(dim=0).values,
    "argmax": lambda torch, x: (x.argmax(dim=1), torch.argmax(x, 1), x.argmax()),
    "argmax-keepdim": lambda x: x.argmax(dim=1, keepdim=True),
    "abs-max-item": lambda x: x.abs().max().item(),
    "norm": lambda x: (x.norm(), x.norm(dim=1), x.norm(p=1)),
    "topk": lambda torch, x: torch.topk(x, 2, dim=1).indices,
    "topk-values": lambda x: x.topk(3).values,
    "sort-descending": lambda x: x.sort(dim=1, descending=True),
    "argsort": lambda x: x.argsort(dim=1),
    "logsumexp": lambda torch, x: torch.logsumexp(x, dim=1),
    "cumsum": lambda x: x.cumsum(dim=1),
    "prod": lambda x: x.prod(dim=1),
    "any-all": lambda x: ((x > 0).any(), (x > -5).all(), (x > 0).all(dim=1)),
    "count-positive": lambda x: (x > 0).sum().item(),
    "fraction-positive": lambda x: (x > 0).float().mean().item(),
    "accuracy-item": lambda model, x, y: model(x).argmax(dim=1).eq(y).sum().item(),
    "accuracy-ratio": lambda model, x, y: (model(x).argmax(1) == y).sum().item() / len(y),
    "pred-eq-view-as": lambda model, x, y: (lambda pred: pred.eq(y.view_as(pred)).sum().item())(
        model(x).argmax(dim=1, keepdim=True)),
    "mean-item": lambda x: x.mean().item(),
    # ---- element-wise -----------------------------------------------------------------------------
    "exp": lambda torch, x: (torch.exp(x), x.exp()),
    "log-eps": lambda torch, x: torch.log(x.abs() + 1e-8),
    "clamp": lambda torch, x: (torch.clamp(x, min=0), x.clamp(-0.5, 0.5), x.clamp(max=0)),
    "clamp-min": lambda x: x.clamp_min(0.1),
    "where-tensor": lambda torch, x: torch.where(x > 0, x, torch.zeros_like(x)),
    "where-scalar": lambda torch, x: torch.where(x > 0, x, 0.0),
    "masked-fill": lambda x, mask: x.masked_fill(mask, -1e9),
    "pow-square": lambda x: (x.pow(2), x ** 2, x.square()),
    "sqrt-abs": lambda torch, x: torch.sqrt(x.abs()),
    "activations": lambda torch, x: (torch.sigmoid(x), torch.tanh(x), torch.relu(x)),
    "scalar-arithmetic": lambda x: (x * 2 + 1, 1 - x, 2 / (x.abs() + 1)),
    "matmul": lambda torch, x: (x @ x.T, torch.matmul(x, x.t()), torch.mm(x, x.T)),
    "bmm": lambda torch, img: torch.bmm(img[:, 0], img[:, 1]),
    "matmul-vector": lambda x, v: x @ v,
    "standardize": lambda x: (x - x.mean(dim=0, keepdim=True)) / x.std(dim=0, keepdim=True),
    "row-normalize": lambda x: x / x.norm(dim=1, keepdim=True),
    "broadcast-add": lambda x, v: x + v,
    "maximum": lambda torch, x: torch.maximum(x, torch.zeros_like(x)),
    "sign": lambda torch, x: torch.sign(x),
    "floor-ceil": lambda torch, x: (torch.floor(x * 3), torch.ceil(x * 3)),
    "isnan-any": lambda torch, x: torch.isnan(x).any().item(),
    "isfinite-all": lambda torch, x: torch.isfinite(x / 0).all().item(),
    "allclose": lambda torch, x: torch.allclose(x, x + 1e-10),
    "round": lambda x: (x * 10).round(),
    "logical-and": lambda x, mask: (x > 0) & mask,
    "logical-not": lambda mask: ~mask,
    "compare-methods": lambda x: (x.eq(0), x.ne(0), x.lt(0.5), x.ge(0.5)),
    "integer-division": lambda torch: (torch.tensor([5, 7]) / 2, torch.tensor([5, 7]) // 2),
    "int-tensor-mean-float": lambda y: y.float().mean(),
    "einsum": lambda torch, x: torch.einsum("ij,kj->ik", x, x),
    # ---- in-place ---------------------------------------------------------------------------------
    "zero_": lambda x: x.clone().zero_(),
    "fill_": lambda x: x.clone().fill_(0.5),
    "add_-scalar": lambda x: x.clone().add_(1),
    "add_-alpha": lambda x: x.clone().add_(x, alpha=-0.1),
    "mul_": lambda x: x.clone().mul_(0.9),
    "div_": lambda x: x.clone().div_(2),
    "clamp_": lambda x: x.clone().clamp_(0, 1),
    "copy_": lambda x, torch: x.clone().copy_(torch.ones_like(x)),
    "iadd": lambda x: (lambda t: (t.__iadd__(1), t)[1])(x.clone()),
    "setitem-column": lambda x: assign(x.clone(), (slice(None), 0), 0.0),
    "setitem-mask": lambda x, mask: assign(x.clone(), mask, 0.0),
    "data-mul_": lambda model: model[0].weight.data.mul_(0.9) is not None and model[0].weight,
    "no-grad-sub_": lambda torch, w: within(torch.no_grad(), lambda: w.sub_(0.1 * w)),
    "in-place-returns-self": lambda x: (lambda t: t.mul_(2) is t)(x.clone()),
    "clone-detach": lambda w: (lambda c: (c, c.requires_grad, c.is_leaf))(w.clone().detach()),
    "requires-grad_": lambda x: (lambda c: (c.requires_grad, c.is_leaf))(x.clone().requires_grad_()),
    "version-bumps": lambda x: (lambda t: (t._version, t.add_(1)._version))(x.clone()),
    # ---- autograd ---------------------------------------------------------------------------------
    "backward-grad": lambda w: grads((w * w).sum(), w),
    "backward-ones-like": lambda torch, w: (lambda out: grads(out, w, gradient=torch.ones_like(out)))(w * 3),
    "grad-none-before": lambda w: w.grad is None,
    "grad-zero_": lambda w: (grads(w.sum(), w), w.grad.zero_())[1],
    "grad-norm": lambda model, x, y, F: (grads(F.cross_entropy(model(x), y), *model.parameters()),
                                         [p.grad.norm() for p in model.parameters()])[1],
    "grad-data": lambda w: (grads((w ** 2).sum(), w), w.grad.data)[1],
    "grads-accumulate": lambda w: (lambda out: (grads(out, w, retain_graph=True), grads(out, w)))(w.sum() * 2)[1],
    "autograd-grad": lambda torch, w: torch.autograd.grad((w ** 3).sum(), w)[0],
    "no-grad-block": lambda torch, w: within(torch.no_grad(), lambda: (w * 2).requires_grad),
    "no-grad-decorator": lambda torch, w: torch.no_grad()(lambda: (w * 2).requires_grad)(),
    "enable-grad-inside-no-grad": lambda torch, w: within(
        torch.no_grad(), lambda: within(torch.enable_grad(), lambda: (w * 2).requires_grad)),
    "set-grad-enabled": lambda torch, w: within(torch.set_grad_enabled(False), lambda: (w + 1).requires_grad),
    "is-grad-enabled": lambda torch: torch.is_grad_enabled(),
    "inference-mode": lambda torch, w: within(torch.inference_mode(), lambda: (w * 2).requires_grad),
    "leaf-flags": lambda w, x: (w.requires_grad, x.requires_grad, w.is_leaf, (w * 2).is_leaf),
    "grad-fn-present": lambda w, x: ((w * 2).grad_fn is not None, (x * 2).grad_fn is None),
    "detach-no-grad": lambda w: w.detach().requires_grad,
    "retain-grad": lambda w: (lambda h: (h.retain_grad(), grads(h.sum() * 3, h))[1])(w * 2),
    "register-hook": lambda w: (w.register_hook(lambda g: g * 2), grads(w.sum(), w))[1],
    "loss-backward-item": lambda model, x, y, F: (lambda loss: (loss.backward(), loss.item())[1])(
        F.cross_entropy(model(x), y)),
    # ---- nn ---------------------------------------------------------------------------------------
    "model-forward": lambda model, x: model(x),
    "eval-flag": lambda model: (model.eval(), model.training, model[0].training)[1:],
    "train-flag": lambda model: model.train().training,
    "count-params": lambda model: sum(p.numel() for p in model.parameters()),
    "count-trainable": lambda model: (model[0].requires_grad_(False),
                                      sum(p.numel() for p in model.parameters() if p.requires_grad))[1],
    "named-parameters": lambda model: [(n, tuple(p.shape)) for n, p in model.named_parameters()],
    "state-dict-keys": lambda model: list(model.state_dict().keys()),
    "state-dict-roundtrip": lambda model, x, copy: (
        model.load_state_dict(copy.deepcopy(model.state_dict())), model(x))[1],
    "load-state-dict-missing-keys": lambda model, copy: (lambda r: (r.missing_keys, r.unexpected_keys))(
        model.load_state_dict({"0.weight": model[0].weight.detach().clone()}, strict=False)),
    "layer-attrs": lambda model: (model[0].weight.shape, model[0].bias.shape, model[2].out_features),
    "len-and-children": lambda model: (len(model), [type(m).__name__ for m in model.children()]),
    "modules": lambda model: [type(m).__name__ for m in model.modules()],
    "sequential-ordereddict": lambda nn, OrderedDict: list(nn.Sequential(OrderedDict([
        ("fc1", nn.Linear(5, 3)), ("act", nn.ReLU()), ("fc2", nn.Linear(3, 1))])).state_dict()),
    "apply-init": lambda model, nn, x: model.apply(init_weights(nn))(x),
    "kaiming-normal": lambda nn, torch: (lambda w: (nn.init.kaiming_normal_(w, mode="fan_out") is w, w.shape))(
        torch.empty(16, 8)),
    "xavier-uniform-bound": lambda nn, torch, math: (lambda w: bool(
        nn.init.xavier_uniform_(w).abs().max() <= math.sqrt(6 / (8 + 16))))(torch.empty(16, 8)),
    "init-zeros-constant": lambda nn, torch: (nn.init.zeros_(torch.ones(3)), nn.init.constant_(torch.ones(2), 0.3)),
    "linear-no-bias": lambda nn: nn.Linear(5, 3, bias=False).bias is None,
    "linear-weight-shape": lambda nn: (nn.Linear(5, 3).weight.shape, nn.Linear(5, 3).weight.dtype),
    "conv2d-padding": lambda nn, img: nn.Conv2d(3, 8, 3, padding=1).double()(img).shape,
    "conv2d-stride": lambda nn, img: nn.Conv2d(3, 4, kernel_size=3, stride=2).double()(img).shape,
    "max-pool": lambda nn, F, img: (nn.MaxPool2d(2)(img), F.max_pool2d(img, 2)),
    "avg-pool": lambda F, img: F.avg_pool2d(img, kernel_size=2, stride=2),
    "adaptive-avg-pool": lambda nn, img: nn.AdaptiveAvgPool2d((1, 1))(img),
    "batchnorm-train": lambda nn, img: nn.BatchNorm2d(3).double()(img),
    "batchnorm-running-stats": lambda nn, img, np: (lambda bn: (
        bn(img), np.asarray(bn.running_mean), np.asarray(bn.running_var), int(bn.num_batches_tracked))[1:])(
        nn.BatchNorm2d(3).double()),
    "state-dict-values-as-arrays": lambda model, np: {k: np.asarray(v).copy() for k, v in model.state_dict().items()},
    "batchnorm1d-eval": lambda nn, x: nn.BatchNorm1d(5).double().eval()(x),
    "dropout-eval-identity": lambda nn, x: nn.Dropout(0.5).eval()(x),
    "functional-dropout-off": lambda F, x: F.dropout(x, p=0.3, training=False),
    "flatten-module": lambda nn, img: nn.Flatten()(img).shape,
    "embedding": lambda nn, idx: nn.Embedding(10, 4)(idx).shape,
    "layer-norm": lambda nn, x: nn.LayerNorm(5).double()(x),
    "functional-activations": lambda F, x: (F.relu(x), F.leaky_relu(x, 0.2), F.gelu(x), F.elu(x)),
    "softmax-last-dim": lambda F, x: F.softmax(x, dim=-1),
    "log-softmax": lambda F, x: F.log_softmax(x, dim=1),
    "softmax-sums-to-one": lambda torch, F, x: torch.allclose(F.softmax(x, dim=1).sum(dim=1), torch.ones(4).double()),
    "cross-entropy": lambda F, model, x, y: F.cross_entropy(model(x), y),
    "cross-entropy-sum": lambda F, model, x, y: F.cross_entropy(model(x), y, reduction="sum"),
    "cross-entropy-probabilities": lambda F, x: F.cross_entropy(x, F.softmax(x * 2, dim=1)),
    "cross-entropy-smoothing": lambda F, model, x, y: F.cross_entropy(model(x), y, label_smoothing=0.1),
    "nll-log-softmax": lambda F, model, x, y: F.nll_loss(F.log_softmax(model(x), dim=1), y),
    "criterion-item": lambda nn, model, x, y: nn.CrossEntropyLoss()(model(x), y).item(),
    "mse-l1": lambda F, x: (F.mse_loss(x, x * 0.5), F.l1_loss(x, x.flip(0)), F.smooth_l1_loss(x, x * 2)),
    "bce": lambda torch, F, x, mask: F.binary_cross_entropy(torch.sigmoid(x), mask.double()),
    "bce-with-logits": lambda F, x, mask: F.binary_cross_entropy_with_logits(x, mask.double()),
    "mse-module-sum": lambda nn, x: nn.MSELoss(reduction="sum")(x, x.abs()),
    "one-hot": lambda F, y: F.one_hot(y, num_classes=3),
    "pad": lambda F, x: F.pad(x, (1, 2)),
    "normalize": lambda F, x: F.normalize(x, dim=1),
    "linear-functional": lambda F, x, model: F.linear(x, model[0].weight, model[0].bias),
    "interpolate": lambda F, img: F.interpolate(img, scale_factor=2, mode="nearest").shape,
    "module-list": lambda nn: len(nn.ModuleList([nn.Linear(5, 5) for _ in range(3)])),
    "model-zero-grad": lambda model, x: (model(x).sum().backward(), model.zero_grad(), model[0].weight.grad)[2],
    "freeze-params": lambda model: (setattr(model[0].weight, "requires_grad", False),
                                    [p.requires_grad for p in model.parameters()])[1],
    "clip-grad-norm": lambda nn, model, x: (model(x).sum().backward(),
                                             nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0))[1],
    "clip-grad-value": lambda nn, model, x: (model(x).sum().backward(),
                                              nn.utils.clip_grad_value_(model.parameters(), 0.1),
                                              model[0].weight.grad)[2],
    "parameter": lambda nn, torch: (lambda p: (p.requires_grad, isinstance(p, torch.Tensor)))(
        nn.Parameter(torch.zeros(3))),
    "model-double": lambda model: (model.float(), model[0].weight.dtype)[1],
    "custom-module": lambda torch, nn, F, x: (lambda net: (list(net.state_dict()), net(x.float()).shape))(
        net_class(torch, nn, F)()),
    "parameters-to-vector": lambda nn, model: nn.utils.parameters_to_vector(model.parameters()),
    # ---- optim ------------------------------------------------------------------------------------
    "sgd-momentum-steps": lambda optim, model, x, y, F: train(
        model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x, y, F),
    "adam-weight-decay-steps": lambda optim, model, x, y, F: train(
        model, optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4), x, y, F),
    "adamw-steps": lambda optim, model, x, y, F: train(model, optim.AdamW(model.parameters(), lr=1e-2), x, y, F),
    "param-groups-lr": lambda optim, model: optim.SGD(model.parameters(), lr=0.1).param_groups[0]["lr"],
    "param-groups-edit": lambda optim, model, x, y, F: (lambda opt: (
        [g.__setitem__("lr", 0.01) for g in opt.param_groups], train(model, opt, x, y, F, steps=1))[1])(
        optim.SGD(model.parameters(), lr=0.1)),
    "per-layer-lr": lambda optim, model, x, y, F: train(model, optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.01}], lr=0.1), x, y, F),
    "zero-grad-set-to-none": lambda optim, model, x: (lambda opt: (
        model(x).sum().backward(), opt.zero_grad(set_to_none=True), model[0].weight.grad)[2])(
        optim.SGD(model.parameters(), lr=0.1)),
    "zero-grad-default-none": lambda optim, model, x: (lambda opt: (
        model(x).sum().backward(), opt.zero_grad(), model[0].weight.grad is None)[2])(
        optim.SGD(model.parameters(), lr=0.1)),
    "optimizer-state-dict-lr": lambda optim, model: optim.Adam(model.parameters()).state_dict()["param_groups"][0]["lr"],
    "step-lr": lambda optim, model, x, y, F: (lambda opt: train(
        model, opt, x, y, F, steps=3, scheduler=optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)))(
        optim.SGD(model.parameters(), lr=0.1)),
    "step-lr-get-last-lr": lambda optim, model: (lambda s: (s.optimizer.step(), s.step(), s.get_last_lr())[2])(
        optim.lr_scheduler.StepLR(optim.SGD(model.parameters(), lr=0.1), step_size=1, gamma=0.1)),
    "cosine-annealing": lambda optim, model, x, y, F: (lambda opt: train(
        model, opt, x, y, F, steps=4, scheduler=optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)))(
        optim.SGD(model.parameters(), lr=0.1)),
    # ---- data -------------------------------------------------------------------------------------
    "tensor-dataset-item": lambda ds: ds[1],
    "len-dataset": lambda ds: len(ds),
    "len-loader": lambda loader: (len(loader), len(loader.dataset)),
    "next-iter-loader": lambda loader: next(iter(loader)),
    "enumerate-loader": lambda loader: [(i, xb.shape, yb) for i, (xb, yb) in enumerate(loader)],
    "drop-last": lambda data, ds: len(data.DataLoader(ds, batch_size=3, drop_last=True)),
    "loader-batch-size": lambda loader: loader.batch_size,
    "custom-dataset": lambda data, torch: [b for b in data.DataLoader(dataset_class(data, torch)(), batch_size=2)],
    "subset": lambda data, ds: [data.Subset(ds, [0, 2])[i] for i in range(2)],
    "loader-shuffle-covers": lambda data, ds: sorted(
        int(v) for _, yb in data.DataLoader(ds, batch_size=2, shuffle=True) for v in yb),
    "epoch-loss-average": lambda loader, model, F: sum(
        F.cross_entropy(model(xb), yb, reduction="sum").item() for xb, yb in loader) / len(loader.dataset),
    # ---- more of the usual ---------------------------------------------------------------------
    "legacy-tensor-types": lambda torch: (torch.FloatTensor([1, 2]), torch.LongTensor([1, 2]), torch.FloatTensor(2, 3).shape),
    "legacy-type-cast-isinstance": lambda torch, x: (x.type(torch.FloatTensor).dtype, isinstance(x.float(), torch.FloatTensor)),
    "as-tensor": lambda torch, np: torch.as_tensor(np.array([1.5, 2.5])),
    "size-object": lambda torch, x: (x.size()[1:], isinstance(x.shape, torch.Size), torch.Size([2, 3]) == (2, 3)),
    "zeros-of-size": lambda torch, x: torch.zeros(x.size()),
    "default-dtype": lambda torch: torch.get_default_dtype(),
    "deterministic-boilerplate": lambda torch: (torch.backends.cudnn.__setattr__("deterministic", True),
                                                torch.use_deterministic_algorithms(True), torch.cuda.manual_seed_all(0)),
    "num-threads": lambda torch: (torch.set_num_threads(1), torch.get_num_threads())[1],
    "torch-sum-mean-functions": lambda torch, x: (torch.sum(x, 1), torch.mean(x, dim=0), torch.mean((x - 1) ** 2)),
    "torch-max-elementwise": lambda torch, x: torch.max(x, torch.zeros_like(x)),
    "torch-min-dim": lambda torch, x: torch.min(x, 1),
    "tril-mask": lambda torch: torch.tril(torch.ones(3, 3)),
    "triu-diagonal": lambda torch, x: torch.triu(x, diagonal=1),
    "causal-mask-fill": lambda torch, F: F.softmax(torch.zeros(3, 3).masked_fill(
        torch.tril(torch.ones(3, 3)) == 0, float("-inf")), dim=-1),
    "add-alpha": lambda x: x.add(x, alpha=2),
    "sub-div-chain": lambda x: x.sub(1).div(2).mul(3),
    "neg-reciprocal": lambda x: (x.neg(), -x, (x.abs() + 1).reciprocal()),
    "activation-methods": lambda x: (x.sigmoid(), x.relu(), x.tanh(), x.softmax(dim=-1), x.log_softmax(-1)),
    "manual-softmax": lambda x: x.exp() / x.exp().sum(1, keepdim=True),
    "accuracy-float-mean": lambda model, x, y: (model(x).argmax(1) == y).float().mean(),
    "sum-dims": lambda img: (img.sum(dim=(1, 2)), img.mean((0,))),
    "running-loss": lambda model, x, y, F: (lambda loss: loss.item() * x.size(0))(F.cross_entropy(model(x), y)),
    "zero-tensor-accumulate": lambda torch, x: (lambda total: (total.__iadd__(x.sum()), total)[1])(torch.tensor(0.0).double()),
    "grad-filter": lambda model, x: (model[:1](x).sum().backward(), [p.grad is not None for p in model.parameters()])[1],
    "uniform-bounds": lambda torch: (lambda t: bool((t >= -1).all() and (t <= 1).all()))(torch.zeros(100).uniform_(-1, 1)),
    "normal-shape": lambda torch: torch.empty(3, 4).normal_(0, 1).shape,
    "weight-clipping": lambda model: model[0].weight.data.clamp_(-0.1, 0.1) is not None and model[0].weight,
    "dcgan-init": lambda model: (model[0].weight.data.normal_(0.0, 0.02), model[0].bias.data.zero_(),
                                 model[0].weight.shape, model[0].bias)[2:],
    "fill-data": lambda model: model[2].bias.data.fill_(0.01) is not None and model[2].bias,
    "train-false": lambda model: model.train(False).training,
    "sequential-star": lambda nn: len(nn.Sequential(*[nn.Linear(5, 5) for _ in range(3)])),
    "add-module": lambda nn: (lambda m: (m.add_module("fc", nn.Linear(2, 2)), list(m.state_dict()))[1])(nn.Sequential()),
    "named-modules": lambda model: [name for name, _ in model.named_modules()],
    "len-parameters": lambda model: len(list(model.parameters())),
    "add-param-group": lambda optim, model: (lambda opt: (opt.add_param_group({"params": model[2].parameters(), "lr": 0.5}),
                                                          [g["lr"] for g in opt.param_groups])[1])(
        optim.SGD(model[0].parameters(), lr=0.1)),
    "sgd-nesterov-steps": lambda optim, model, x, y, F: train(
        model, optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True), x, y, F),
    "rmsprop-steps": lambda optim, model, x, y, F: train(model, optim.RMSprop(model.parameters(), lr=0.01), x, y, F),
    "one-cycle": lambda optim, model, x, y, F: (lambda opt: train(
        model, opt, x, y, F, steps=4, scheduler=optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=4)))(
        optim.SGD(model.parameters(), lr=0.1)),
    "clip-grad-norm-type": lambda nn, model, x: (model(x).sum().backward(),
                                                  nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type=1.0))[1],
    "functional-conv2d": lambda F, torch, img: F.conv2d(img, torch.ones(2, 3, 3, 3).double(), padding=1),
    "relu-inplace-flag": lambda F, x: F.relu(x, inplace=True),
    "multinomial-shape": lambda torch: torch.multinomial(torch.tensor([0.1, 0.6, 0.3]), 1).shape,
    # ---- indexing, masks, counting ----------------------------------------------------------------
    "scatter_-one-hot": lambda torch, y: torch.zeros(4, 3).scatter_(1, y.unsqueeze(1), 1.0),
    "masked-fill_": lambda x, mask: x.clone().masked_fill_(mask, 0.0),
    "index-select": lambda torch, x: (x.index_select(0, torch.tensor([2, 0])), torch.index_select(x, 1, torch.tensor([1]))),
    "type-as": lambda x, y: (y.type_as(x).dtype, x.type_as(y)),
    "nonzero": lambda torch, mask: (torch.nonzero(mask), mask.nonzero(as_tuple=True)),
    "unique": lambda torch, y: (torch.unique(y), y.unique(return_counts=True)),
    "bincount": lambda torch, y: (torch.bincount(y), y.bincount(minlength=5)),
    "diag": lambda torch, v, x: (torch.diag(v), torch.diag(x[:, :4])),
    "logical-functions": lambda torch, x, mask: (torch.logical_and(x > 0, mask), torch.logical_or(x > 0, mask),
                                                 torch.logical_not(mask)),
    "cosine-similarity": lambda F, x: F.cosine_similarity(x, x.flip(0), dim=1),
    "cdist": lambda torch, x: torch.cdist(x, x[:2]),
    "norm-positional-p": lambda x: x.norm(2, dim=1),
    "function-forms": lambda torch, x: (torch.squeeze(x[:1]), torch.unsqueeze(x, 0).shape, torch.transpose(x, 0, 1),
                                        torch.reshape(x, (-1,)), torch.chunk(x, 2)[1], torch.full_like(x, 7)),
    "expand-minus-one": lambda x: x[:, :1].expand(-1, 5),
    "reflect-pad": lambda F, img: F.pad(img, (1, 1, 1, 1), mode="reflect"),
    "adaptive-avg-pool-functional": lambda F, img: F.adaptive_avg_pool2d(img, 1),
    "eval-batchnorm-modules": lambda nn: (lambda m: ([x.eval() for x in m.modules() if isinstance(x, nn.BatchNorm2d)],
                                                     [x.training for x in m.modules()])[1])(
        nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3))),
    "identity-module": lambda nn, x: nn.Identity()(x),
    "softmax-module": lambda nn, x: (nn.Softmax(dim=1)(x), nn.LogSoftmax(dim=1)(x)),
    "generator-random-split": lambda torch, data, ds: [len(s) for s in data.random_split(
        ds, [3, 1], generator=torch.Generator().manual_seed(42))],
    "generator-loader": lambda torch, data, ds: sorted(int(v) for _, yb in data.DataLoader(
        ds, batch_size=2, shuffle=True, generator=torch.Generator().manual_seed(0)) for v in yb),
    "generator-repeats": lambda torch: torch.equal(torch.rand(3, generator=torch.Generator().manual_seed(1)),
                                                   torch.rand(3, generator=torch.Generator().manual_seed(1))),
    "randn-like": lambda torch, x: torch.randn_like(x).shape,
    # ---- layers and losses, more arguments -------------------------------------------------------
    "gelu-tanh-and-friends": lambda F, x: (F.gelu(x, approximate="tanh"), F.silu(x), F.softplus(x), F.hardtanh(x),
                                           F.mish(x), F.logsigmoid(x)),
    "activation-modules": lambda nn, x: [m(x) for m in (nn.GELU(), nn.SiLU(), nn.ELU(), nn.LeakyReLU(0.1),
                                                         nn.Softplus(), nn.Hardtanh(), nn.ReLU6(), nn.Tanh())],
    "embedding-padding-idx": lambda nn, torch, idx: seeded(nn.Embedding(10, 4, padding_idx=0), torch)(idx)[1, 2],
    "embedding-from-pretrained": lambda nn, x, idx: (lambda e: (e(idx[:, :2] % 4), e.weight.requires_grad))(
        nn.Embedding.from_pretrained(x[:, :3], freeze=True)),
    "layer-group-norm": lambda nn, torch, img: (seeded(nn.LayerNorm([6, 6]), torch)(img), seeded(nn.GroupNorm(1, 3), torch)(img)),
    "conv-transpose": lambda nn, torch, img: seeded(nn.ConvTranspose2d(3, 2, 2, stride=2), torch)(img),
    "upsample-module": lambda nn, img: nn.Upsample(scale_factor=2, mode="nearest")(img).shape,
    "interpolate-bilinear": lambda F, img: F.interpolate(img, size=(3, 3), mode="bilinear", align_corners=False),
    "avg-pool-module": lambda nn, img: nn.AvgPool2d(2)(img),
    "conv1d-over-time": lambda nn, torch, seq: seeded(nn.Conv1d(5, 4, 2), torch)(seq.transpose(1, 2)),
    "bce-pos-weight": lambda nn, torch, x, mask: nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]).double())(
        x, mask.double()),
    "loss-modules": lambda nn, x, y: (nn.NLLLoss()(x, y), nn.L1Loss()(x, x * 2), nn.SmoothL1Loss()(x, x.flip(1)),
                                      nn.CrossEntropyLoss(ignore_index=2)(x, y)),
    "kl-div-batchmean": lambda nn, F, x: nn.KLDivLoss(reduction="batchmean")(F.log_softmax(x, 1), F.softmax(x * 2, 1)),
    "one-hot-float": lambda F, y: F.one_hot(y).float(),
    "argmax-of-softmax": lambda torch, F, x: torch.argmax(F.softmax(x, 1), dim=1),
    "module-dict-and-parameter-list": lambda nn, torch: (
        list(nn.ModuleDict({"enc": nn.Linear(2, 2), "dec": nn.Linear(2, 1)}).state_dict()),
        len(nn.ParameterList([nn.Parameter(torch.ones(2)) for _ in range(3)]))),
    # ---- arithmetic written out -------------------------------------------------------------------
    "clamp-positional": lambda torch, x: torch.clamp(x, 0, 1),
    "log-clamped": lambda x: x.clamp(min=1e-8).log(),
    "pow-function": lambda torch, x: (torch.pow(x, 2), torch.sqrt(torch.sum(x ** 2))),
    "var-biased": lambda torch, x: torch.var(x, unbiased=False),
    "manual-layer-norm": lambda x: (x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True, unbiased=False) + 1e-5).sqrt(),
    "einsum-outer": lambda torch, x: torch.einsum("bi,bj->bij", x, x).shape,
    "flatten-start-dim": lambda img: img.flatten(start_dim=1).shape,
    "squeeze-last": lambda x: x[:, :1].squeeze(-1),
    "step-slicing": lambda torch, x: (torch.arange(10)[::2], x[1:3, ::2]),
    "outer-broadcast": lambda x: (x[:, None, :] * x[None]).shape,
    "all-equal-item": lambda x: (x == x.clone()).all().item(),
    "tensor-of-tolist": lambda torch, x: torch.tensor(x.tolist()).dtype,
    "isinf": lambda torch, x: torch.isinf(x / 0).sum().item(),
    # ---- gradients in training loops --------------------------------------------------------------
    "input-gradient-saliency": lambda model, x, y, F: (lambda inp: (
        F.cross_entropy(model(inp), y).backward(), inp.grad.abs().max(dim=1).values)[1])(x.clone().requires_grad_()),
    "autograd-grad-retain": lambda torch, w: (lambda out: (torch.autograd.grad(out, w, retain_graph=True)[0],
                                                           torch.autograd.grad(out, w)[0]))((w ** 2).sum()),
    "detect-anomaly": lambda torch, w: within(torch.autograd.set_detect_anomaly(True), lambda: grads((w * 2).sum(), w)),
    "variable-legacy": lambda torch, x: (lambda v: (v.requires_grad, v))(torch.autograd.Variable(x, requires_grad=True)),
    "next-parameters-device-dtype": lambda model: (str(next(model.parameters()).device), next(model.parameters()).dtype),
    "model-cpu": lambda model, x: model.cpu()(x),
    "grad-data-clamp": lambda model, x: (model(x).sum().backward(),
                                         [p.grad.data.clamp_(-0.5, 0.5) for p in model.parameters()])[1],
    "data-add-grad-alpha": lambda model, x: (model(x).sum().backward(),
                                             [p.data.add_(p.grad.data, alpha=-0.1) for p in model.parameters()])[1],
    "manual-sgd-isub": lambda torch, model, x, y, F: manual_sgd(torch, model, x, y, F),
    "optimizer-filter-trainable": lambda optim, model, x, y, F: (model[0].requires_grad_(False), train(
        model, optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=0.01), x, y, F))[1],
    "optimizer-step-closure": lambda optim, model, x, y, F: (lambda opt: (opt.step(lambda: (
        opt.zero_grad(), F.cross_entropy(model(x), y).backward())), list(model.parameters()))[1])(
        optim.SGD(model.parameters(), lr=0.1)),
    "stack-mean": lambda torch, x: torch.stack([x, x * 2, x * 3]).mean(0),
    "flat-grads": lambda torch, model, x: (model(x).sum().backward(),
                                           torch.cat([p.grad.view(-1) for p in model.parameters()]))[1],
    # ---- optimizers and schedules of the sibling work -------------------------------------------
    "adagrad-adadelta-steps": lambda optim, model, x, y, F: (
        train(model, optim.Adagrad(model.parameters(), lr=0.1), x, y, F),
        train(model, optim.Adadelta(model.parameters()), x, y, F)),
    "radam-steps": lambda optim, model, x, y, F: train(model, optim.RAdam(model.parameters(), lr=0.01), x, y, F),
    # NAdam: PyTorch keeps mu_product in float32 (docs/pytorch.md), so parameters agree to ~1e-9 only
    "nadam-steps-to-1e-6": lambda optim, model, x, y, F: [round(p.sum().item(), 6) for p in train(
        model, optim.NAdam(model.parameters(), lr=0.01), x, y, F)[0]],
    "multistep-lr": lambda optim, model, x, y, F: (lambda opt: train(model, opt, x, y, F, steps=4,
        scheduler=optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.1)))(optim.SGD(model.parameters(), lr=0.1)),
    "exponential-lr": lambda optim, model, x, y, F: (lambda opt: train(model, opt, x, y, F, steps=3,
        scheduler=optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)))(optim.SGD(model.parameters(), lr=0.1)),
    "lambda-lr": lambda optim, model, x, y, F: (lambda opt: train(model, opt, x, y, F, steps=3,
        scheduler=optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.95 ** epoch)))(optim.SGD(model.parameters(), lr=0.1)),
    "warmup-then-cosine": lambda optim, model, x, y, F: (lambda opt: train(model, opt, x, y, F, steps=5,
        scheduler=optim.lr_scheduler.SequentialLR(opt, [optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=2),
                                                        optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)], milestones=[2])))(
        optim.SGD(model.parameters(), lr=0.1)),
    "reduce-on-plateau": lambda optim, model: (lambda opt: (lambda s: ([s.step(1.0) for _ in range(4)],
                                                                      opt.param_groups[0]["lr"])[1])(
        optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)))(optim.SGD(model.parameters(), lr=0.1)),
    "warm-restarts": lambda optim, model, x, y, F: (lambda opt: train(model, opt, x, y, F, steps=4,
        scheduler=optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)))(optim.SGD(model.parameters(), lr=0.1)),
    "scheduler-state-dict": lambda optim, model: (lambda s: (s.optimizer.step(), s.step(), s.state_dict()["last_epoch"],
                                                             s.get_last_lr())[2:])(
        optim.lr_scheduler.StepLR(optim.SGD(model.parameters(), lr=0.1), step_size=1)),
    # ---- sequences --------------------------------------------------------------------------------
    "pad-sequence": lambda nn, torch: nn.utils.rnn.pad_sequence([torch.ones(3), torch.ones(1) * 2], batch_first=True),
    "gru-hidden-last-layer": lambda nn, torch, seq: seeded(nn.GRU(5, 3, num_layers=2, batch_first=True), torch)(seq)[1][-1],
    "rnn-cell-loop": lambda nn, torch, seq: unroll(seeded(nn.RNNCell(5, 4), torch), seq),
    # ---- data: splits, concatenation, workers, collate ------------------------------------------
    "random-split-lengths": lambda data, ds: [len(s) for s in data.random_split(ds, [3, 1])],
    "random-split-fractions": lambda data, ds: sorted(len(s) for s in data.random_split(ds, [0.5, 0.5])),
    "random-split-covers": lambda data, ds: sorted(int(t[1]) for s in data.random_split(ds, [2, 2]) for t in s),
    "concat-dataset": lambda data, ds: (lambda c: (len(c), c[5]))(data.ConcatDataset([ds, ds])),
    "loader-workers-order": lambda data, ds: [yb for _, yb in data.DataLoader(ds, batch_size=2, num_workers=2)],
    "collate-fn-identity": lambda data, ds: [len(b) for b in data.DataLoader(ds, batch_size=3, collate_fn=lambda b: b)],
    "default-collate": lambda data: data.default_collate([(1, 2.0), (3, 4.0)]),
    "loader-over-list": lambda data, np: list(data.DataLoader([(np.ones(2), 1), (np.zeros(2), 0)], batch_size=2))[0],
    "dataset-plus": lambda ds: (len(ds + ds), (ds + ds)[6]),
    "tensor-dataset-tensors": lambda ds: [t.shape for t in ds.tensors],
    "loader-persistent-workers": lambda data, ds: [yb for _, yb in data.DataLoader(
        ds, batch_size=2, num_workers=1, persistent_workers=True)],
    "loader-pin-memory": lambda data, ds: len(data.DataLoader(ds, batch_size=2, pin_memory=True)),
    # ---- saving and loading ---------------------------------------------------------------------
    "save-load-state-dict": lambda torch, np, model, tmp: (torch.save(model.state_dict(), tmp + "/model"),
                                                       np.asarray(torch.load(tmp + "/model")["2.bias"]))[1],
    "save-load-checkpoint-resume": lambda torch, optim, model, x, y, F, tmp: resume(
        torch, optim, model, x, y, F, tmp + "/checkpoint"),
    "save-load-nested": lambda torch, tmp, x: (torch.save({"a": [x, 3], "b": {"lr": 0.1}}, tmp + "/c"),
                                               torch.load(tmp + "/c", weights_only=True))[1],
    # ---- recurrent layers -----------------------------------------------------------------------
    "lstm-batch-first": lambda nn, torch, seq: (lambda out, state: (out, state[0], state[1]))(
        *seeded(nn.LSTM(5, 4, batch_first=True), torch)(seq)),
    "gru-two-layers-bidirectional": lambda nn, torch, seq: seeded(
        nn.GRU(5, 3, num_layers=2, bidirectional=True, batch_first=True), torch)(seq),
    "rnn-relu-time-first": lambda nn, torch, seq: seeded(nn.RNN(5, 4, nonlinearity="relu"), torch)(seq),
    "lstm-cell": lambda nn, torch, x: seeded(nn.LSTMCell(5, 4), torch)(x),
    "lstm-last-step-head": lambda nn, torch, seq: seeded(nn.Linear(4, 2), torch)(
        seeded(nn.LSTM(5, 4, batch_first=True), torch)(seq)[0][:, -1, :]),
    "lstm-gradients": lambda nn, torch, seq: (lambda lstm: (lstm(seq)[0].sum().backward(),
                                                             lstm.weight_hh_l0.grad, lstm.bias_ih_l0.grad)[1:])(
        seeded(nn.LSTM(5, 4, batch_first=True), torch)),
    "lstm-initial-state": lambda nn, torch, seq: seeded(nn.LSTM(5, 4, batch_first=True), torch)(
        seq, (torch.zeros(1, 2, 4).double(), torch.ones(1, 2, 4).double()))[0],
    "lstm-state-dict-keys": lambda nn: list(nn.LSTM(5, 4, num_layers=2).state_dict()),
    "embedding-lstm": lambda nn, torch, idx: seeded(nn.LSTM(4, 3, batch_first=True), torch)(
        seeded(nn.Embedding(10, 4), torch)(idx))[0],
    # ---- errors PyTorch raises --------------------------------------------------------------------
    "error-view-bad-size": lambda x: x.view(3, 7),
    "error-cat-mismatch": lambda torch, x: torch.cat([x, x[:, :2]], dim=0),
    "error-matmul-mismatch": lambda x: x @ x,
    "error-leaf-in-place": lambda w: w.add_(1),
    "error-numpy-requires-grad": lambda w: w.numpy(),
    "error-item-many": lambda x: x.item(),
    "error-backward-twice": lambda w: (lambda out: (out.backward(), out.backward()))((w * w).sum()),
    "error-backward-non-scalar": lambda w: (w * 2).backward(),
    "error-load-missing-key": lambda model: model.load_state_dict({}),
    "error-index-out-of-range": lambda x: x[10],
    "error-cross-entropy-class-out-of-range": lambda F, x, y: F.cross_entropy(x, y + 4),
}

# Deliberate differences (docs/pytorch.md): each asserts chainrule's documented behaviour.
DIFFERS = {
    # NumPy promotion: float32 + int64 is float64 here, float32 in PyTorch
    "float32-plus-int64": (lambda torch: (torch.ones(2) + torch.tensor([1, 2])).dtype,
                           "float32", "float64"),
    # no CUDA: PyTorch without CUDA raises AssertionError, chainrule RuntimeError naming the device
    "cuda-call": (lambda x: x.cuda(), AssertionError, RuntimeError),
    # buffers and state-dict values are the NumPy arrays themselves (docs/nn.md), Tensors in PyTorch
    "buffer-type": (lambda nn: type(nn.BatchNorm1d(3).running_mean).__name__, "Tensor", "ndarray"),
    "state-dict-value-type": (lambda model: type(model.state_dict()["0.weight"]).__name__, "Tensor", "ndarray"),
    # torch.Tensor(data) is float32 in PyTorch; chainrule.Tensor(data) keeps the data's dtype
    "tensor-class-constructor": (lambda torch: torch.Tensor([1, 2]).dtype, "float32", "int64"),
    # empty gives zeros here (reproducible), uninitialised memory in PyTorch
    "empty-zeros": (lambda torch: bool((torch.empty(3) == 0).all()), None, True),
}


def normalise(value):
    """A comparable form: tensors and arrays as (kind, dtype name, shape, values)."""
    if isinstance(value, torch_.Tensor):
        value = value.detach()
        return ("tensor", str(value.dtype).removeprefix("torch."), tuple(value.shape), value.numpy())
    if isinstance(value, chainrule.Tensor):
        value = value.detach()
        return ("tensor", np.dtype(value.dtype).name, tuple(value.shape), value.numpy())
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.name, value.shape, value)
    if isinstance(value, torch_.dtype):
        return ("dtype", str(value).removeprefix("torch."))
    if isinstance(value, np.dtype) or isinstance(value, type) and issubclass(value, np.generic):
        return ("dtype", np.dtype(value).name)  # chainrule's dtypes are NumPy's
    if isinstance(value, (bool, int, float, str)) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, dict):
        return ("dict", [(k, normalise(v)) for k, v in value.items()])
    if isinstance(value, (tuple, list)):
        return ("sequence", [normalise(v) for v in value])
    raise TypeError(f"idiom returned a {type(value).__name__}, which the harness cannot compare")


def assert_same(ours, expected, where="result"):
    if expected[0] in ("tensor", "ndarray"):
        assert ours[0] == expected[0] and ours[1:3] == expected[1:3], f"{where}: {ours[:3]} != {expected[:3]}"
        a, b = np.asarray(ours[3]), np.asarray(expected[3])
        if a.dtype.kind == "f":
            tolerance = 1e-12 if a.dtype == np.float64 else 1e-6
            np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif expected[0] in ("sequence", "dict"):
        assert ours[0] == expected[0] and len(ours[1]) == len(expected[1]), f"{where}: {ours} != {expected}"
        for i, (a, b) in enumerate(zip(ours[1], expected[1])):
            if expected[0] == "dict":
                assert a[0] == b[0], f"{where}: key {a[0]!r} != {b[0]!r}"
                a, b = a[1], b[1]
            assert_same(a, b, f"{where}[{i}]")
    elif expected[0] == "float":
        assert ours[0] == "float" and math.isclose(ours[1], expected[1], rel_tol=1e-12, abs_tol=1e-12), \
            f"{where}: {ours} != {expected}"
    else:
        assert ours == expected, f"{where}: {ours} != {expected}"


def run(fn, library, tmp):
    names = namespace(library, tmp)
    arguments = {p: names[p] for p in inspect.signature(fn).parameters}
    try:
        return "value", normalise(fn(**arguments))
    except Exception as exc:  # noqa: BLE001  (the exception is the result being compared)
        return "raised", exc


def builtin_type(exc):
    """The nearest built-in exception class: what a user's ``except`` clause names."""
    return next(t for t in type(exc).__mro__ if t.__module__ == "builtins")


@pytest.fixture
def thread_counts_kept():
    """An idiom that sets the thread count leaves the suite's counts (BLAS's, PyTorch's and
    chainrule's) as they were."""
    torch = pytest.importorskip("torch")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    torch_threads, ours = torch.get_num_threads(), chainrule.settings._num_threads[0]
    with threadpoolctl.threadpool_limits(None):  # restores BLAS's counts on exit
        yield
    torch.set_num_threads(torch_threads)
    chainrule.settings._num_threads[0] = ours


@pytest.mark.parametrize("name", list(IDIOMS))
def test_idiom_matches_pytorch(name, tmp_path, thread_counts_kept):
    (tmp_path / "torch").mkdir()
    (tmp_path / "chainrule").mkdir()
    expected, ours = run(IDIOMS[name], "torch", tmp_path / "torch"), run(IDIOMS[name], "chainrule", tmp_path / "chainrule")
    if expected[0] == "raised":
        assert ours[0] == "raised", f"PyTorch raises {expected[1]!r}; chainrule returned {ours[1]}"
        assert isinstance(ours[1], builtin_type(expected[1])), (ours[1], expected[1])
        return
    if ours[0] == "raised":
        raise ours[1]
    assert_same(ours[1], expected[1])


@pytest.mark.parametrize("name", list(DIFFERS))
def test_documented_difference(name, tmp_path):
    fn, pytorch_result, chainrule_result = DIFFERS[name]
    for library, wanted in (("torch", pytorch_result), ("chainrule", chainrule_result)):
        if wanted is None:  # PyTorch leaves it unspecified
            continue
        kind, result = run(fn, library, tmp_path)
        if isinstance(wanted, type) and issubclass(wanted, Exception):
            assert kind == "raised" and type(result) is wanted, (library, result)
        else:
            assert kind == "value" and result[-1] == wanted, (library, result)


def test_the_table_is_large():
    assert len(IDIOMS) + len(DIFFERS) >= 120
