"""The Tensor methods of issue 11 (item 6) that are not ops: names, conversions, formatting,
``new_*``; each checked against PyTorch. The differentiable ops are in tests/ops/registry.py."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

DATA = [[1.5, -2.0, 0.0], [3.25, 4.0, -0.5]]


def both(data=DATA, dtype=None):
    return cr.tensor(data, dtype=dtype), torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)


def as_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    return np.asarray(value)


@pytest.mark.parametrize("method, args, kwargs", [
    ("eq", (0.0,), {}), ("ne", (4.0,), {}), ("lt", (0.0,), {}), ("le", (0.0,), {}), ("gt", (1.5,), {}),
    ("ge", (1.5,), {}), ("t", (), {}), ("square", (), {}), ("any", (), {}), ("all", (1,), {}),
    ("isnan", (), {}), ("isfinite", (), {}), ("round", (), {}), ("round", (), {"decimals": 1}),
    ("std", (), {}), ("std", (1,), {"correction": 0}), ("norm", (), {}), ("norm", (1, 1), {}),
    ("repeat", (2, 1), {}), ("flip", (0,), {}), ("flip", ((0, 1),), {}), ("contiguous", (), {}),
    ("argsort", (), {"descending": True}), ("expm1", (), {}), ("view", (3, 2), {}),
    ("type", (), {}), ("is_floating_point", (), {}), ("new_zeros", (2,), {}), ("new_ones", ((1, 2),), {}),
    ("new_full", ((2,), 7), {}), ("new_tensor", ([1, 2],), {}), ("new_empty", (2, 1), {}),
])
def test_methods_match_pytorch(method, args, kwargs):
    x, tx = both()
    out, expected = getattr(x, method)(*args, **kwargs), getattr(tx, method)(*args, **kwargs)
    if method == "type":
        assert out == expected.replace("torch.", "chainrule.")
        return
    if isinstance(expected, bool):
        assert out is expected
        return
    if method.startswith("new_empty"):  # uninitialised in PyTorch, zeros here
        assert out.shape == tuple(expected.shape) and np.all(as_numpy(out) == 0)
    else:
        np.testing.assert_allclose(as_numpy(out), as_numpy(expected), rtol=1e-6)
    assert str(out.dtype) == str(expected.dtype).removeprefix("torch."), method


def test_comparison_methods_with_tensors_and_mm_bmm_methods():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.eq(x.t()).tolist() == [[True, False], [False, True]]
    assert x.mm(x).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert x.reshape(1, 2, 2).bmm(x.reshape(1, 2, 2)).tolist() == [[[7.0, 10.0], [15.0, 22.0]]]


def test_type_names_and_conversions_follow_pytorch():
    for name in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        x, tx = both([1, 0], name)
        assert x.type() == tx.type().replace("torch.", "chainrule.")
    x = cr.tensor([1.7, -2.2])
    assert x.type(cr.long).tolist() == [1, -2] and x.type(cr.long).dtype == np.int64
    assert x.type("torch.DoubleTensor").dtype == np.float64 and x.type("chainrule.IntTensor").dtype == np.int32


def test_dtype_aliases_are_pytorchs():
    pairs = {"float": "float32", "double": "float64", "half": "float16", "long": "int64", "int": "int32",
             "short": "int16", "bool": "bool"}
    for alias, name in pairs.items():
        assert np.dtype(getattr(cr, alias)).name == str(getattr(torch, alias)).removeprefix("torch.") == name
    assert cr.zeros(2, dtype=cr.long).dtype == np.int64 and cr.tensor([1], dtype=cr.bool).dtype == np.bool_
    assert cr.tensor([1.0]).dtype == cr.float and cr.tensor([1.0], dtype=cr.double).is_floating_point()


def test_integer_one_element_tensors_are_indices():
    i = cr.tensor(2)
    assert [10, 20, 30][i] == 30 and list(range(i)) == [0, 1] and "abc"[cr.tensor([1]):] == "bc"
    assert [1, 2][cr.tensor(True)] == [1, 2][torch.tensor(True)] == 2
    assert np.arange(5)[cr.tensor([3])] == np.arange(5)[torch.tensor([3])] == 3  # one integer, as in PyTorch
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
        [1, 2][cr.tensor(1.0)]
    with pytest.raises(TypeError, match="got dtype int64 and shape"):
        [1, 2][cr.tensor([0, 1])]


def test_format_of_a_loss_as_in_training_loops():
    loss = cr.tensor([[0.5, 1.0]]).mean()
    assert f"{loss:.4f}" == f"{torch.tensor([[0.5, 1.0]]).mean():.4f}" == "0.7500"
    assert f"{cr.tensor(3):>3d}" == "  3" and f"{cr.tensor([2.5]):.1f}" == "2.5"
    assert f"{cr.tensor([1.0, 2.0])}" == str(cr.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"unsupported format string '.2f' for a tensor of shape \(2,\)"):
        f"{cr.tensor([1.0, 2.0]):.2f}"


def test_item_allclose_contiguous_view_as():
    x = cr.tensor([[1.0, 2.0]], requires_grad=True)
    assert x.sum().item() == 3.0 and x[0, 1].item() == 2.0
    assert x.allclose(x + 1e-9) and not x.allclose(x + 1e-3) and cr.allclose(x, x)
    assert cr.allclose(cr.tensor([np.nan]), cr.tensor([np.nan]), equal_nan=True)
    assert x.contiguous() is x
    y = x.view_as(cr.zeros(2))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0]])


def test_new_factories_keep_the_dtype_unless_told():
    x = cr.tensor([1, 2])
    assert str(x.new_tensor([1.5]).dtype) == str(torch.tensor([1, 2]).new_tensor([1.5]).dtype).removeprefix("torch.")
    assert x.new_zeros(2, 3, dtype=cr.float).dtype == np.float32
    y = cr.zeros(2, dtype=cr.double).new_ones((2,), requires_grad=True)
    assert y.dtype == np.float64 and y.requires_grad and y.is_leaf


@pytest.mark.parametrize("a, b", [
    ([1, 2, -3], [2, 2, 2]), ([1, 2, -3], 2), (7, [2, 3, -4]), ([1, 2], 2.5), ([1.0, 2.0], [2, 4]),
])
def test_division_promotes_integers_as_pytorch(a, b):
    def make(module, v):
        return module.tensor(v) if isinstance(v, list) else v

    for op in (lambda u, v: u / v, lambda u, v: u // v):
        out, expected = op(make(cr, a), make(cr, b)), op(make(torch, a), make(torch, b))
        assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")
        # rtol: PyTorch computes ``7 / t`` as ``t.reciprocal() * 7``, one rounding more
        np.testing.assert_allclose(np.asarray(out), expected.numpy(), rtol=2e-7)


def test_floor_division_carries_no_gradient():
    x = cr.tensor([3.0, -3.5], requires_grad=True)
    assert (x // 2).tolist() == [1.0, -2.0] and not (x // 2).requires_grad


# ---- devices (issue 11, item 3) --------------------------------------------------------------------
def test_every_tensor_is_on_the_cpu():
    x = cr.tensor([1.0, 2.0])
    assert x.device == cr.device("cpu") and str(x.device) == str(torch.tensor([1.0]).device) == "cpu"
    assert x.device != "cpu"  # as in PyTorch: a device is not equal to its string
    assert x.is_cuda is False and x.get_device() == torch.tensor([1.0]).get_device() == -1
    assert x.cpu() is x and (x * 2).device == cr.device("cpu")


def test_to_takes_pytorchs_forms():
    x = cr.tensor([1.5, 2.0], requires_grad=True)
    cpu = cr.device("cpu")
    assert x.to("cpu") is x and x.to(cpu) is x and x.to(device="cpu:0") is x and x.to(cr.float) is x
    for converted in (x.to(cr.double), x.to("cpu", cr.double), x.to(cpu, dtype=cr.double),
                      x.to(device="cpu", dtype="float64", non_blocking=True), x.to(cr.zeros(1, dtype=cr.double))):
        assert converted.dtype == np.float64 and converted.device == cpu
    copied = x.to("cpu", copy=True)
    assert copied is not x and copied.tolist() == x.tolist() and x.to(cr.float, False, True) is not x
    x.to("cpu", cr.double).sum().backward()  # the cast stays on the graph
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    assert x.to(cr.long).tolist() == [1, 2] and x.to(cr.tensor([1])).dtype == np.int64


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.to("cuda"), RuntimeError, "to: device 'cuda' is not available: chainrule runs on the CPU only"),
    (lambda x: x.to("cuda:1", cr.float), RuntimeError, "to: device 'cuda:1' is not available"),
    (lambda x: x.to(device="mps"), RuntimeError, "to: device 'mps' is not available"),
    (lambda x: x.to(cr.device("cuda", 0)), RuntimeError, "to: device 'cuda:0' is not available"),
    (lambda x: x.to(0), TypeError, "to: device must be a string such as 'cpu' or a chainrule.device, got 0"),
    (lambda x: x.to("gpu"), TypeError, "to: unknown dtype 'gpu'"),
    (lambda x: x.to(dtype=cr.float, dvice="cpu"), TypeError, "to: unexpected keyword argument 'dvice'"),
    (lambda x: x.to("cpu", cr.float, False, False, 1), TypeError, "to: too many positional arguments"),
    (lambda x: x.cuda(), RuntimeError, "cuda: device 'cuda' is not available"),
    (lambda x: x.cuda(1), RuntimeError, "cuda: device 'cuda:1' is not available"),
    (lambda x: x.cuda("cpu"), RuntimeError, "cuda: expected a CUDA device, got 'cpu'"),
])
def test_other_devices_are_clear_errors(call, error, message):
    with pytest.raises(error) as info:
        call(cr.tensor([1.0]))
    assert str(info.value).startswith(message)


def test_the_accuracy_line_of_pytorchs_mnist_example():
    output = cr.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], requires_grad=True)
    target = cr.tensor([1, 1, 1])
    pred = output.argmax(dim=1, keepdim=True)
    correct = pred.eq(target.view_as(pred)).sum().item()
    assert correct == 2 and isinstance(correct, int)
    print_line = f"Accuracy: {correct}/{len(target)} ({100. * correct / len(target):.0f}%) loss {output.sum():.4f}"
    assert print_line == "Accuracy: 2/3 (67%) loss 3.0000"


def test_sorting_and_indexing_methods_match_pytorch():
    x, tx = both()
    for ours, theirs in (
        (x.sort(dim=1, descending=True).indices, tx.sort(dim=1, descending=True).indices),
        (x.sort(0).values, tx.sort(0).values),
        (x.topk(2).values, tx.topk(2).values),
        (x.topk(1, dim=0, largest=False).indices, tx.topk(1, dim=0, largest=False).indices),
        (x.gather(1, cr.tensor([[2, 0]] * 2)), tx.gather(1, torch.tensor([[2, 0]] * 2))),
        (x.masked_fill(x > 1, 0.0), tx.masked_fill(tx > 1, 0.0)),
        (x.scatter(0, cr.tensor([[1, 0, 1]]), 9.0), tx.scatter(0, torch.tensor([[1, 0, 1]]), 9.0)),
        (x.split([2, 1], dim=1)[1], tx.split([2, 1], dim=1)[1]),
        (cr.einsum("ij->i", [x]), torch.einsum("ij->i", [tx])),
    ):
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-6)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_masked_fill_with_a_tensor_value_keeps_the_dtype_and_passes_the_gradient_as_pytorch():
    def run(module):
        x = module.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        value = module.tensor(5.0, dtype=module.float64, requires_grad=True)
        out = x.masked_fill(module.tensor([True, False]), value)
        (out * module.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return out, x.grad, value.grad

    for ours, theirs in zip(run(cr), run(torch)):
        np.testing.assert_array_equal(np.asarray(ours), theirs.detach().numpy())
        assert str(np.asarray(ours).dtype) == str(theirs.dtype).removeprefix("torch.")
    with pytest.raises(ValueError, match=r"masked_fill: value must be a number or a 0-d tensor, got shape \(1,\)"):
        cr.zeros(2).masked_fill(cr.tensor([True, False]), cr.tensor([1.0]))


def test_idiom_methods_match_pytorch():
    """Methods that PyTorch training code uses and that are compositions, not ops."""
    x, tx = both()
    for ours, theirs in (
        (x.unbind(1), tx.unbind(1)), (x.unbind(-2), tx.unbind(-2)),
        ((x.clamp_min(0.5),), (tx.clamp_min(0.5),)), ((x.clamp_max(0.5),), (tx.clamp_max(0.5),)),
        ((x[0].expand_as(x),), (tx[0].expand_as(tx),)),
    ):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(as_numpy(a), as_numpy(b))
    for cast in ("int", "short", "half", "bool"):
        assert str(getattr(x, cast)().dtype) == str(getattr(tx, cast)().dtype).removeprefix("torch."), cast
        np.testing.assert_array_equal(as_numpy(getattr(x, cast)()), as_numpy(getattr(tx, cast)()))
    assert cr.equal(x, x.clone()) is True and cr.equal(x, x[:1]) is False and x.equal(x + 1) is False
    assert cr.is_tensor(x) and not cr.is_tensor(DATA)
    assert x.type_as(cr.tensor([1])).dtype == cr.int64 and x.type_as(x) is x
    np.testing.assert_allclose(as_numpy(2.5 % x[:, :2]), as_numpy(2.5 % tx[:, :2]))  # PyTorch: no gradient here
    with pytest.raises(IndexError, match="unbind: dim 2 is out of range"):
        x.unbind(2)


def test_backward_takes_pytorchs_keywords():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).backward(gradient=cr.tensor([1.0, 0.5]), retain_graph=None)
    assert w.grad.tolist() == [3.0, 1.5]
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        (w * 3).sum().backward(create_graph=True)
