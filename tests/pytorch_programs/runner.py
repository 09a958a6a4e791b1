"""Run one unmodified public PyTorch program under PyTorch or under chainrule (``torch`` aliased).

    python runner.py CONFIG.json

CONFIG holds ``framework`` ("torch" or "chainrule"), ``program`` (its path), ``argv``, ``steps``
(the step cap), ``seed``, ``weights`` (an .npz: written by the torch run, read by the chainrule
run), ``result`` (where the JSON result goes) and ``standin`` (the folder holding the test-only
``torchvision`` stand-in, put on ``sys.path`` for the torch run only). The working directory is
set by the caller (a temporary folder whose data roots hold MNIST).

What the runner changes, identically in both runs, and nothing else (the program's text is
executed as it is):

- **Step cap.** ``Tensor.backward`` is wrapped: it records the loss (``loss.item()``) and, at
  call ``steps + 1``, raises ``StepCapReached`` (a ``BaseException``, so no ``except
  Exception`` in the program swallows it) before running: exactly ``steps`` backward passes
  and their updates happen, and the program's evaluation and saving code never runs.
- **Initial weights.** The first time each top-level module is called, its parameters are
  written (torch run, in ``named_parameters()`` order) or overwritten from that file (chainrule
  run, after checking the names and shapes are the same).
- **Evidence options** (``coupling.py`` uses them; the tests do not): ``dtype`` "float64"
  casts every module to double on its first call and every float32 tensor argument of every
  module call (nested in tuples and lists) to double, in both runs; ``perturb`` (a seed) makes
  a torch run load the weights file, as the chainrule run does, with every weight moved 1 ulp
  up or down (``ulp_perturbed``).
- **Randomness the program draws.** ``randn/rand/randn_like/rand_like`` and the
  DataLoader's shuffling draw from one NumPy generator seeded by ``seed``, so both runs see the
  same random numbers and the same batches; Python's ``random`` and the library's own
  generator (``manual_seed``) are seeded with ``seed``, so PyTorch's initial weights, and with
  them the whole comparison, are the same on every run.
  Dropout masks are drawn by each library's own generator and differ.
"""
import importlib
import importlib.abc
import importlib.util
import json
import random
import runpy
import sys

import numpy as np


class StepCapReached(BaseException):
    """Raised by the wrapped ``backward`` once the step cap is reached."""


# torch module names -> chainrule module names; anything else under torch. maps prefix for prefix
ALIASES = {
    "torch": "chainrule",
    "torch.utils.data": "chainrule.data",
    "torchvision": "chainrule.vision",
}


def alias_target(name):
    """The chainrule module that stands for ``name`` (``torch.nn.functional`` -> ...), or None."""
    for source in sorted(ALIASES, key=len, reverse=True):
        if name == source or name.startswith(source + "."):
            return ALIASES[source] + name[len(source):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec  # the import system set the alias's spec; keep chainrule's


class AliasFinder(importlib.abc.MetaPathFinder):
    """Imports ``torch...`` and ``torchvision...`` as the chainrule modules of ``ALIASES``."""

    def find_spec(self, name, path=None, target=None):
        chainrule_name = alias_target(name)
        if chainrule_name is None:
            return None
        try:
            module = importlib.import_module(chainrule_name)
        except ModuleNotFoundError as error:
            raise ModuleNotFoundError(f"import {name}: chainrule has no module {chainrule_name} ({error})",
                                      name=name) from None
        return importlib.util.spec_from_loader(name, _AliasLoader(module))


def shared_randomness(lib, seed):
    """Replace ``lib.randn/rand/randn_like/rand_like`` by draws from one seeded NumPy generator;
    return ``permutation(n)``, the shuffling order both runs use."""
    rng = np.random.default_rng([seed, 1])
    counter = [0]

    def make(array, dtype, requires_grad):
        out = lib.tensor(array.astype(np.float32))
        if dtype is not None:
            out = out.to(dtype)
        return out.requires_grad_(bool(requires_grad))

    def shape_of(size):
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = size[0]
        return tuple(int(s) for s in size)

    def randn(*size, dtype=None, requires_grad=False, **_):
        return make(rng.standard_normal(shape_of(size)), dtype, requires_grad)

    def rand(*size, dtype=None, requires_grad=False, **_):
        return make(rng.random(shape_of(size)), dtype, requires_grad)

    def randn_like(x, dtype=None, requires_grad=False, **_):
        return make(rng.standard_normal(tuple(x.shape)), dtype or x.dtype, requires_grad)

    def rand_like(x, dtype=None, requires_grad=False, **_):
        return make(rng.random(tuple(x.shape)), dtype or x.dtype, requires_grad)

    lib.randn, lib.rand, lib.randn_like, lib.rand_like = randn, rand, randn_like, rand_like

    def permutation(n):
        counter[0] += 1
        return np.random.default_rng([seed, 2, counter[0]]).permutation(n)

    return permutation


def ulp_perturbed(array, seed):
    """``array`` (float) with every element moved to its next float up or down, at random."""
    up = np.random.default_rng(seed).random(array.shape) < 0.5
    return np.where(up, np.nextafter(array, np.inf), np.nextafter(array, -np.inf)).astype(array.dtype)


def hook_training(lib, module_class, config, framework):
    """Wrap ``backward`` (loss log and step cap) and ``Module.__call__`` (initial weights)."""
    losses, modules = [], []
    tensor_class = lib.Tensor
    original_backward = tensor_class.backward

    inside = [False]

    def backward(self, *args, **kwargs):
        if inside[0]:  # torch re-enters Tensor.backward through a TorchFunctionMode (set_default_device)
            return original_backward(self, *args, **kwargs)
        if len(losses) >= config["steps"]:
            raise StepCapReached
        losses.append(float(self.detach().sum().item()))
        inside[0] = True
        try:
            return original_backward(self, *args, **kwargs)
        finally:
            inside[0] = False

    tensor_class.backward = backward

    saved = {}
    perturb = config.get("perturb")
    load = framework == "chainrule" or perturb is not None
    if load:
        with np.load(config["weights"], allow_pickle=False) as archive:
            saved = {key: archive[key] for key in archive.files}
        reference = json.loads(open(config["weights"] + ".json", encoding="utf-8").read())
    seen, depth = set(), [0]
    original_call = module_class.__call__
    double = config.get("dtype", "float32") == "float64"

    def to_double(value):
        if isinstance(value, (tuple, list)):
            return type(value)(to_double(v) for v in value)
        return value.double() if isinstance(value, tensor_class) and value.dtype == lib.float32 else value

    def call(self, *args, **kwargs):
        if depth[0] == 0 and id(self) not in seen:
            seen.add(id(self))
            if double:
                self.double()
            sync(self)
        if double:
            args = to_double(args)
        depth[0] += 1
        try:
            return original_call(self, *args, **kwargs)
        finally:
            depth[0] -= 1

    def sync(module):
        k = len(modules)
        named = list(module.named_parameters())
        names = [[name, list(p.shape)] for name, p in named]
        modules.append(names)
        if not load:
            for i, (_, p) in enumerate(named):
                saved[f"m{k}_p{i}"] = p.detach().cpu().numpy().copy()
            return
        if k >= len(reference) or reference[k] != names:
            raise AssertionError(f"module {k} ({type(module).__name__}): parameters {names} differ from "
                                 f"PyTorch's {reference[k] if k < len(reference) else 'none'}")
        with lib.no_grad():
            for i, (_, p) in enumerate(named):
                weights = saved[f"m{k}_p{i}"]
                p.copy_(lib.tensor(weights if perturb is None else ulp_perturbed(weights, [perturb, k, i])))

    module_class.__call__ = call

    def save():
        if not load:
            np.savez(config["weights"], **saved)
            with open(config["weights"] + ".json", "w", encoding="utf-8") as f:
                json.dump(modules, f)

    return losses, modules, save


def main(config_path):
    config = json.loads(open(config_path, encoding="utf-8").read())
    framework = config["framework"]
    if framework == "torch":
        sys.path.insert(0, config["standin"])
        import torch as lib
        import torch.utils.data as data
        lib.set_num_threads(1)

        def iterate(self):
            if self.replacement or self._num_samples is not None:
                raise AssertionError("runner: a RandomSampler with replacement or num_samples is not shared")
            yield from permutation(len(self.data_source)).tolist()
        permutation = shared_randomness(lib, config["seed"])
        data.RandomSampler.__iter__ = iterate
    else:
        sys.meta_path.insert(0, AliasFinder())
        import chainrule as lib
        from chainrule import data
        permutation = shared_randomness(lib, config["seed"])
        original_order = data.DataLoader._new_order

        def new_order(self):
            custom_sampler = getattr(self, "_custom_sampler", self.sampler is not None)
            if self.shuffle and not custom_sampler:
                return permutation(len(self.dataset))
            return original_order(self)
        data.DataLoader._new_order = new_order
    random.seed(config["seed"])
    np.random.seed(config["seed"])
    lib.manual_seed(config["seed"])
    losses, modules, save = hook_training(lib, lib.nn.Module, config, framework)
    sys.argv = [config["program"], *config["argv"]]
    capped = False
    try:
        runpy.run_path(config["program"], run_name="__main__")
    except StepCapReached:
        capped = True
    save()
    with open(config["result"], "w", encoding="utf-8") as f:
        json.dump({"losses": losses, "capped": capped, "modules": modules}, f)


if __name__ == "__main__":
    main(sys.argv[1])
