"""autograd.grad against torch.autograd.grad; inference_mode; grad_fn.next_functions."""
import numpy as np
import pytest
import torch

import chainrule as cr

RNG = np.random.default_rng(0)
A, B = RNG.standard_normal((3, 4)), RNG.standard_normal(4)


def _graph(lib):
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=True)
    h = (a * b).tanh()  # a non-leaf input
    return a, b, h, [(h * h).sum(), (h.exp() * b).sum(0)]


def test_gradients_of_several_outputs_match_pytorch_and_leave_grad_alone():
    weights = RNG.standard_normal(4)
    ours, theirs = _graph(cr), _graph(torch)
    got = cr.autograd.grad(ours[3], ours[:3], grad_outputs=[None, cr.tensor(weights)])
    want = torch.autograd.grad(theirs[3], theirs[:3], grad_outputs=[None, torch.tensor(weights)])
    for g, w in zip(got, want):
        assert isinstance(g, cr.Tensor) and g.dtype == np.float64 and not g.requires_grad
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)
    assert all(t.grad is None for t in ours[:3])


def test_graph_is_freed_unless_retained():
    a, b, h, (loss, _) = _graph(cr)
    first, = cr.autograd.grad(loss, b, retain_graph=True)
    again, = cr.autograd.grad(loss, b)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    with pytest.raises(cr.autograd.FreedGraphError):
        cr.autograd.grad(loss, b)


def test_unused_inputs_and_refusals():
    a, b, h, (loss, _) = _graph(cr)
    unused = cr.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 appears to not have been used in the graph; set allow_unused=True"):
        cr.autograd.grad(loss, [a, unused], retain_graph=True)
    ga, gu = cr.autograd.grad(loss, [a, unused], retain_graph=True, allow_unused=True)
    assert gu is None and ga.shape == (3, 4)
    with pytest.raises(RuntimeError, match="input 0 does not require grad"):
        cr.autograd.grad(loss, cr.ones(2), retain_graph=True)
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        cr.autograd.grad(loss, a, create_graph=True)


def test_leaf_hooks_apply_as_in_pytorch():
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 10)
        g, = lib.autograd.grad((x * x).sum(), x)
        np.testing.assert_array_equal(np.asarray(g.detach()), [20.0, 40.0])


def test_inference_mode_records_nothing_like_no_grad():
    x = cr.ones(2, requires_grad=True)
    with cr.inference_mode():
        assert not (x * 2).requires_grad and not cr.is_grad_enabled()
        with cr.inference_mode(False):
            assert (x * 2).requires_grad
    assert cr.is_grad_enabled()

    @cr.inference_mode()
    def predict(t):
        return t * 2

    @cr.no_grad
    def also(t):
        return t * 2

    assert not predict(x).requires_grad and not also(x).requires_grad


def test_next_functions_walk_the_graph_as_in_pytorch():
    for lib in (cr, torch):
        x = lib.ones(2, requires_grad=True)
        c = lib.ones(2)
        y = (x.exp() * c).sum()
        (mul, _), = y.grad_fn.next_functions
        (exp, _), (none, _) = mul.next_functions
        (leaf, _), = exp.next_functions
        assert none is None and type(leaf).__name__ == "AccumulateGrad" and leaf.variable is x
        assert leaf.next_functions == ()
