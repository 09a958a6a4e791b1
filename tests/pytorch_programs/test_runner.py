"""The runner's import aliases and shared random numbers, checked without the program cache."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

SPEC = importlib.util.spec_from_file_location("pytorch_programs_runner", Path(__file__).with_name("runner.py"))
runner = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(runner)


@pytest.mark.parametrize("name, target", [
    ("torch", "chainrule"),
    ("torch.nn.functional", "chainrule.nn.functional"),
    ("torch.optim.lr_scheduler", "chainrule.optim.lr_scheduler"),
    ("torch.utils.data", "chainrule.data"),
    ("torch.utils.data.dataloader", "chainrule.data.dataloader"),
    ("torchvision.transforms", "chainrule.vision.transforms"),
    ("torchvisionx", None),
    ("numpy", None),
])
def test_alias_target(name, target):
    assert runner.alias_target(name) == target


def test_alias_finder_gives_chainrule_modules_and_keeps_their_spec():
    import chainrule.nn.functional as functional
    spec = runner.AliasFinder().find_spec("torch.nn.functional")
    module = spec.loader.create_module(spec)
    spec.loader.exec_module(module)
    assert module is functional and functional.__spec__.name == "chainrule.nn.functional"


def test_alias_finder_names_a_missing_module():
    with pytest.raises(ModuleNotFoundError, match=r"import torch.jit: chainrule has no module chainrule.jit"):
        runner.AliasFinder().find_spec("torch.jit")


def test_shared_randomness_draws_the_same_numbers_for_each_library():
    class Lib:  # the two attributes shared_randomness needs, as chainrule has them
        tensor = staticmethod(cr.tensor)

    first, second = Lib(), Lib()
    perm_a, perm_b = runner.shared_randomness(first, 3), runner.shared_randomness(second, 3)
    a = first.randn(2, 3, requires_grad=True)
    b = second.randn((2, 3), dtype=cr.float64)
    assert a.requires_grad and a.dtype == cr.float32 and b.dtype == cr.float64
    np.testing.assert_array_equal(a.detach().numpy(), b.numpy().astype(np.float32))
    np.testing.assert_array_equal(first.rand_like(a).detach().numpy(), second.rand_like(a).detach().numpy())
    np.testing.assert_array_equal(perm_a(10), perm_b(10))
    assert not np.array_equal(perm_a(1000), perm_a(1000))  # a new order each epoch


def test_ulp_perturbed_moves_every_weight_one_ulp():
    weights = np.array([[1.0, -2.5, 0.0], [3e-8, 7.0, -1e30]], dtype=np.float32)
    moved = runner.ulp_perturbed(weights, 5)
    assert moved.dtype == np.float32
    up, down = np.nextafter(weights, np.float32(np.inf)), np.nextafter(weights, np.float32(-np.inf))
    assert np.all((moved == up) | (moved == down)) and np.any(moved == up) and np.any(moved == down)
    np.testing.assert_array_equal(moved, runner.ulp_perturbed(weights, 5))  # the seed decides
