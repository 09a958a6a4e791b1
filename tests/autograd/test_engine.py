"""The engine: worked examples of docs/math.md, fan-out, accumulation, retain_graph, deep graphs."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import FreedGraphError
from chainrule.autograd.engine import retained
from chainrule.autograd.function import FREED


def leaf(value):
    return cr.tensor(value, dtype=cr.float64, requires_grad=True)


# ---- the worked examples of docs/math.md, section 1, to 1e-9 --------------------------------
def test_worked_example_1_add_and_multiply_gates():
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert q.item() == 3.0 and f.item() == -12.0
    np.testing.assert_allclose([x.grad, y.grad, z.grad], [-4.0, -4.0, 3.0], atol=1e-9, rtol=0)


def test_worked_example_2_sigmoid_neuron():
    w = leaf([2.0, -3.0, -3.0])
    x = leaf([-1.0, -2.0])
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = cr.sigmoid(dot)
    f.backward()
    assert dot.item() == 1.0
    np.testing.assert_allclose(f.item(), 0.7310585786, atol=1e-9, rtol=0)
    np.testing.assert_allclose(x.grad, [0.3932238665, -0.5898357997], atol=1e-9, rtol=0)
    np.testing.assert_allclose(w.grad, [-0.1966119332, -0.3932238665, 0.1966119332], atol=1e-9, rtol=0)


def test_worked_example_2_local_gradient_of_the_sigmoid_gate():
    dot = leaf(1.0)
    cr.sigmoid(dot).backward()
    np.testing.assert_allclose(dot.grad, 0.1966119332, atol=1e-9, rtol=0)  # f (1 - f)


def test_worked_example_3_staged_with_several_paths():
    x, y = leaf(3.0), leaf(-4.0)
    sigy = 1.0 / (1 + cr.exp(-y))
    num = x + sigy
    sigx = 1.0 / (1 + cr.exp(-x))
    xpy = x + y
    xpysqr = xpy ** 2
    den = sigx + xpysqr
    invden = 1.0 / den
    f = num * invden
    f.backward()
    np.testing.assert_allclose(f.item(), 1.5456448841, atol=1e-9, rtol=0)
    np.testing.assert_allclose(x.grad, 2.0595697956, atol=1e-9, rtol=0)
    np.testing.assert_allclose(y.grad, 1.5922327515, atol=1e-9, rtol=0)


def test_vectorized_gate_gradients_have_the_operands_shapes():
    rng = np.random.default_rng(0)
    w, x = leaf(rng.standard_normal((5, 10))), leaf(rng.standard_normal((10, 3)))
    d = w @ x
    upstream = rng.standard_normal((5, 3))
    d.backward(upstream)
    np.testing.assert_allclose(w.grad, upstream @ x.detach().numpy().T, rtol=1e-12)  # dW = dD X^T
    np.testing.assert_allclose(x.grad, w.detach().numpy().T @ upstream, rtol=1e-12)  # dX = W^T dD


def test_broadcast_operand_gradient_is_summed_over_broadcast_axes():
    b = leaf([1.0, 2.0, 3.0])
    x = leaf(np.ones((4, 3)))
    ((x + b) * 2).sum().backward()
    np.testing.assert_array_equal(b.grad, [8.0, 8.0, 8.0])


def test_the_four_equations_of_section_2():
    """BP1-BP4 by hand for a [3, 4, 2] sigmoid network with quadratic cost equal the engine's."""
    rng = np.random.default_rng(1)
    a0, y = rng.standard_normal((3, 1)), rng.standard_normal((2, 1))
    w1, b1, w2, b2 = (leaf(rng.standard_normal(s)) for s in ((4, 3), (4, 1), (2, 4), (2, 1)))
    z1 = w1 @ a0 + b1
    a1 = cr.sigmoid(z1)
    z2 = w2 @ a1 + b2
    a2 = cr.sigmoid(z2)
    cost = 0.5 * ((y - a2) ** 2).sum()
    cost.backward()

    def sigma_prime(z):
        s = 1 / (1 + np.exp(-z.detach().numpy()))
        return s * (1 - s)

    delta2 = (a2.detach().numpy() - y) * sigma_prime(z2)  # BP1
    delta1 = (w2.detach().numpy().T @ delta2) * sigma_prime(z1)  # BP2
    np.testing.assert_allclose(b2.grad, delta2, rtol=1e-12)  # BP3
    np.testing.assert_allclose(b1.grad, delta1, rtol=1e-12)
    np.testing.assert_allclose(w2.grad, delta2 @ a1.detach().numpy().T, rtol=1e-12)  # BP4
    np.testing.assert_allclose(w1.grad, delta1 @ a0.T, rtol=1e-12)


# ---- fan-out and accumulation ---------------------------------------------------------------
def test_fan_out_adds_the_gradients_of_every_use():
    x = leaf(0.5)
    f = x * 2.0 + x * 3.0 + cr.exp(x)  # x used 3 times
    f.backward()
    np.testing.assert_allclose(x.grad, 5.0 + np.exp(0.5), rtol=1e-15)


def test_fan_out_through_an_intermediate_value():
    x = leaf([1.0, 2.0])
    h = x * 3.0  # h feeds three gates
    f = (h * h + h + cr.sin(h)).sum()
    f.backward()
    hv = 3.0 * x.detach().numpy()
    np.testing.assert_allclose(x.grad, 3.0 * (2 * hv + 1 + np.cos(hv)), rtol=1e-15)


def test_same_tensor_twice_in_one_op():
    x = leaf([3.0, -1.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, -2.0])


def test_leaves_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0 + 2.0, 2.0 + 4.0])
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_leaf_gradient_keeps_the_leaf_dtype_and_layout():
    x = cr.from_numpy(np.asfortranarray(np.ones((3, 4), dtype=np.float32))).requires_grad_()
    (x * 2.0).sum().backward()
    assert isinstance(x.grad, cr.Tensor) and x.grad.dtype == np.float32
    assert x.grad.numpy().flags.f_contiguous
    np.testing.assert_array_equal(x.grad, np.full((3, 4), 2.0))



class _Handback(cr.autograd.Function):
    """Returns ``handed`` as its input's gradient (a test double for the fresh_grads promise)."""

    handed = None

    def forward(self, x):
        return x.sum()

    def backward(self, grad):
        return (type(self).handed,)


class _FreshHandback(_Handback):
    fresh_grads = True


@pytest.mark.parametrize("op, adopted", [(_FreshHandback, True), (_Handback, False)])
def test_a_first_gradient_is_kept_without_a_copy_only_when_the_op_promises_it_is_fresh(op, adopted):
    x = leaf([1.0, 2.0])
    op.handed = np.array([3.0, 4.0])
    op.apply(x).backward()
    assert (x.grad.numpy() is op.handed) == adopted
    op.apply(x).backward()  # the second gradient is added in place, to whichever array .grad is
    np.testing.assert_array_equal(x.grad, [6.0, 8.0])


def test_a_fresh_gradient_is_still_copied_for_hooks_or_another_dtype_or_layout():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g)
    _FreshHandback.handed = np.array([3.0, 4.0])
    _FreshHandback.apply(x).backward()
    assert x.grad.numpy() is not _FreshHandback.handed
    y = cr.from_numpy(np.ones((2, 2), dtype=np.float32)).requires_grad_()
    for handed in (np.ones((2, 2)), np.asfortranarray(np.ones((2, 2), dtype=np.float32))):
        y.grad = None
        _FreshHandback.handed = handed
        _FreshHandback.apply(y).backward()
        assert y.grad.numpy() is not handed and y.grad.dtype == np.float32 and y.grad.numpy().flags.c_contiguous


def test_gradients_a_backward_hook_saw_are_not_changed_by_later_accumulation():
    from chainrule.autograd import function

    x, w = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0]])
    seen = []
    function.backward_hooks.append(lambda node, grad_out, grad_inputs: seen.append(grad_inputs[1]))
    try:
        cr.nn.functional.linear(x, w).backward(np.ones((1, 1)))  # the linear node's hook only
    finally:
        function.backward_hooks.pop()
    cr.nn.functional.linear(x, w).backward(np.ones((1, 1)))
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [[1.0, 2.0]])
    np.testing.assert_array_equal(w.grad, [[2.0, 4.0]])


def test_backward_on_a_leaf_sets_its_grad():
    x = leaf(2.0)
    x.backward()
    assert x.grad == 1.0


# ---- retain_graph and freed graphs --------------------------------------------------------------
def test_second_backward_without_retain_graph_raises_a_clear_error():
    x = leaf([1.0, 2.0])
    y = (cr.exp(x) * 2).sum()
    y.backward()
    with pytest.raises(FreedGraphError, match="second time.*retain_graph=True"):
        y.backward()


def test_backward_frees_saved_values():
    x = leaf([1.0, 2.0])
    e = cr.exp(x)
    y = e.sum()
    y.backward()
    assert e.grad_fn.saved is FREED and y.grad_fn.saved is FREED


def test_retain_graph_marks_the_visited_nodes_as_retained():
    x = leaf([1.0, 2.0])
    e = cr.exp(x)
    y = e.sum()
    assert e.grad_fn not in retained
    y.backward(retain_graph=True)
    assert e.grad_fn in retained and y.grad_fn in retained
    z = cr.exp(x).sum()
    z.backward()  # a freed graph is marked by FREED instead
    assert z.grad_fn not in retained and z.grad_fn.saved is FREED


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (cr.exp(x) * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * 2 * np.exp([1.0, 2.0]), rtol=1e-15)


def test_backward_through_a_shared_subgraph_after_it_was_freed_raises():
    x = leaf(1.0)
    h = cr.exp(x)
    (h * 2).backward()
    with pytest.raises(FreedGraphError, match="exp"):
        (h * 3).backward()


# ---- errors ----------------------------------------------------------------------------------
def test_backward_on_a_non_scalar_without_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"only for a scalar output.*shape \(2,\)"):
        (x * 2).backward()


def test_backward_with_a_grad_of_the_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the output has shape \(2,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.tensor([1.0]).sum().backward()


def test_backward_with_an_explicit_grad_for_a_non_scalar():
    x = leaf([1.0, 2.0])
    (x * 3).backward(cr.tensor([1.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [3.0, -3.0])


# ---- deep graphs, detach, hooks ---------------------------------------------------------------------
def test_a_chain_of_100000_ops_needs_no_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.00001 ** 100_000, rtol=1e-9)


def test_detach_stops_the_gradient():
    x = leaf(2.0)
    (x * x.detach()).backward()
    assert x.grad == 2.0


def test_hooks_see_and_may_replace_gradients():
    x = leaf([1.0, 2.0])
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(g.clone()))
    x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    assert isinstance(seen[0], cr.Tensor)
    np.testing.assert_array_equal(seen[0], 2 * h.detach().numpy())
    np.testing.assert_array_equal(x.grad, 10 * 3 * 2 * h.detach().numpy())


def test_retain_grad_keeps_the_gradient_of_an_intermediate_value():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    h.retain_grad()  # twice is the same as once, as in PyTorch
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, 2 * h.detach().numpy())
    assert x.grad is not None


def test_nodes_record_their_inputs_and_which_need_a_gradient():
    x, c = leaf([1.0]), cr.tensor([2.0], dtype=cr.float64)
    y = x * c
    assert y.grad_fn.inputs == (x, c)
    assert list(y.grad_fn.needs_input_grad) == [True, False]
    (y.sum()).backward()
    assert c.grad is None


# ---- queue_callback: work that needs every gradient of a backward ------------------------------
def test_queued_callbacks_run_once_after_every_gradient_in_order():
    from chainrule.autograd import queue_callback

    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    seen = []

    def on_x_grad(grad):  # x's gradient arrives before w's: the callbacks must wait for both
        queue_callback(lambda: seen.append(("first", np.array(w.grad))))
        queue_callback(lambda: seen.append(("second", None)))

    x.register_hook(on_x_grad)
    (x * w).sum().backward()
    assert [name for name, _ in seen] == ["first", "second"]
    np.testing.assert_array_equal(seen[0][1], [1.0, 2.0])
    (x * w).sum().backward()  # queued callbacks of the first backward do not run again
    assert len(seen) == 4


def test_queue_callback_outside_backward_is_an_error():
    from chainrule.autograd import queue_callback

    with pytest.raises(RuntimeError, match="only be queued during a backward"):
        queue_callback(lambda: None)


def test_a_failing_backward_drops_its_callbacks():
    from chainrule.autograd import queue_callback

    x = leaf([1.0])
    ran = []

    def hook(grad):
        queue_callback(lambda: ran.append(1))
        raise ValueError("hook failed")

    x.register_hook(hook)
    with pytest.raises(ValueError, match="hook failed"):
        (x * 2).sum().backward()
    with pytest.raises(RuntimeError, match="only be queued during a backward"):
        queue_callback(lambda: None)
    assert ran == []


def test_backward_in_two_threads_keeps_each_threads_callbacks():
    """Each thread's callbacks belong to its own backward (the playground runs sessions in
    worker threads): here A's backward starts first and ends while B's is still running, and
    B's hook queues its callback after that (a process-wide list would be A's, gone)."""
    import threading

    from chainrule.autograd import queue_callback

    b_inside, a_done, ran, errors = threading.Event(), threading.Event(), [], []

    def run(name, hook):
        x = leaf([1.0, 2.0])
        x.register_hook(hook)
        try:
            (x * 2).sum().backward()
            ran.append(name + " returned")
        except Exception as exc:  # noqa: BLE001 (reported to the main thread)
            errors.append(exc)

    def a_hook(grad):
        queue_callback(lambda: ran.append("A's callback"))
        b_inside.wait(10)

    def b_hook(grad):
        b_inside.set()
        a_done.wait(10)
        queue_callback(lambda: ran.append("B's callback"))

    a = threading.Thread(target=run, args=("A", a_hook))
    b = threading.Thread(target=run, args=("B", b_hook))
    a.start()
    b.start()
    a.join(10)
    a_done.set()
    b.join(10)
    assert errors == []
    assert ran == ["A's callback", "A returned", "B's callback", "B returned"]
    with pytest.raises(RuntimeError, match="only be queued during a backward"):
        queue_callback(lambda: None)


@pytest.mark.parametrize("build", [
    lambda lib, w: (w * w).sum(),                                  # one op uses it twice
    lambda lib, w: (w * 3).sum() + (w * 5).sum() + (w ** 2).sum(),  # three ops use it
    lambda lib, w: (w[0] * w).sum(),                               # through a view and directly
], ids=["same op", "three ops", "view"])
def test_a_leaf_hook_runs_once_with_the_sum_of_its_uses_as_pytorchs(build):
    """A clipping hook must see the total: clipping each share would give another .grad."""
    torch = pytest.importorskip("torch")
    results = {}
    for lib in (cr, torch):
        w = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        seen = []
        w.register_hook(lambda g: seen.append(np.array(g.detach().numpy())))
        w.register_hook(lambda g: g.clamp(-1.5, 1.5))
        build(lib, w).backward()
        results[lib.__name__] = (seen, w.grad.numpy())
    (ours, our_grad), (theirs, their_grad) = results["chainrule"], results["torch"]
    assert len(ours) == len(theirs) == 1
    np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(our_grad, their_grad, rtol=0, atol=1e-15)


def test_autograd_grad_runs_a_leaf_hook_once_with_the_sum():
    torch = pytest.importorskip("torch")
    for lib in (cr, torch):
        w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        calls = []
        w.register_hook(lambda g: calls.append(1) or g * 10)
        (grad,) = lib.autograd.grad((w * w).sum() + w.sum(), [w])
        np.testing.assert_allclose(grad.detach().numpy(), [30.0, 50.0])
        assert calls == [1]
