"""Generic tests, run on every op declared in tests/ops/registry.py."""
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.autograd.function import LEGACY_PROMOTION

from .registry import ENTRIES

TOLERANCE = {np.float32: {"rtol": 2e-5, "atol": 2e-6}, np.float64: {"rtol": 1e-11, "atol": 1e-12}}
DIFFERENTIABLE = [e for e in ENTRIES if e.diff]
NO_GRAD = [e for e in ENTRIES if not e.diff]
ERRORS = [pytest.param(e, case, id=f"{e.name}-{i}") for e in ENTRIES for i, case in enumerate(e.errors)]


def ids(entry):
    return entry.name


def reference(entry, arrays, params):
    """The NumPy reference under NumPy 2's promotion, which ops follow for Python numbers
    (a 0-d float32 array times 0.5 stays float32); NumPy 1.x has it as an opt-in state."""
    if not LEGACY_PROMOTION:
        return np.asarray(entry.ref(*arrays, **params))
    state = np._get_promotion_state()
    np._set_promotion_state("weak")
    try:
        return np.asarray(entry.ref(*arrays, **params))
    finally:
        np._set_promotion_state(state)


def samples(entry, seed=0):
    return entry.samples(np.random.default_rng(seed))


def cast(array, dtype):
    return array.astype(dtype) if array.dtype.kind == "f" else array


def strided(array):
    """The same values in a non-contiguous array (every other element of a larger buffer)."""
    if array.ndim == 0:
        return array
    buffer = np.zeros(array.shape + (2,), dtype=array.dtype)
    buffer[..., 0] = array
    return buffer[..., 0]


def fortran(array):
    """The same values in a transposed (column-major) layout (arrays of 2 or more dims)."""
    return np.asfortranarray(array) if array.ndim > 1 else array


def tensors(entry, inputs, dtypes=None, layout=None, requires_grad=True):
    """The inputs as tensors (arrays only; other values pass through), sharing memory with
    the arrays so that layouts survive. Float inputs listed in ``entry.diff`` require grad
    (all float inputs when the entry carries no gradient: its output must still not)."""
    out = []
    for i, a in enumerate(inputs):
        if not isinstance(a, np.ndarray):
            out.append(a)
            continue
        a = cast(a, dtypes[i] if dtypes else a.dtype)
        t = cr.from_numpy(layout(a) if layout else a)
        if requires_grad and a.dtype.kind == "f" and (i in entry.diff or not entry.diff):
            t.requires_grad_()
        out.append(t)
    return out


def run(entry, sample, dtypes=None, layout=None, seed=1):
    """Forward and (for differentiable entries) backward with random upstream weights.

    Returns the output tensor and the gradients of the inputs (None where there is none)."""
    inputs = tensors(entry, sample.inputs, dtypes, layout)
    out = entry.fn(*inputs, **sample.params)
    grads = [None] * len(inputs)
    if entry.diff:
        weights = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
        upstream = weights.copy()
        out.backward(upstream)
        np.testing.assert_array_equal(upstream, weights, err_msg="backward modified the upstream gradient")
        grads = [t.grad if isinstance(t, cr.Tensor) else None for t in inputs]
    return out, grads


def dtypes_for(sample, dtype):
    return [dtype] * len(sample.inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("entry", ENTRIES, ids=ids)
def test_reference_values_and_dtype(entry, dtype):
    for sample in samples(entry):
        arrays = [cast(a, dtype) if isinstance(a, np.ndarray) else a for a in sample.inputs]
        expected = reference(entry, arrays, sample.params)
        out = entry.fn(*tensors(entry, sample.inputs, dtypes_for(sample, dtype)), **sample.params)
        assert isinstance(out, cr.Tensor)
        assert out.shape == expected.shape, sample
        assert out.dtype == expected.dtype, f"{sample}: {out.dtype} != NumPy's {expected.dtype}"
        np.testing.assert_allclose(out.data, expected, **TOLERANCE[dtype], err_msg=str(sample))


@pytest.mark.parametrize("entry", [e for e in DIFFERENTIABLE if e.gradcheck], ids=ids)
def test_gradcheck_float64(entry):
    for sample in samples(entry):
        if not sample.smooth:
            continue
        positions = [i for i in entry.diff if i < len(sample.inputs)]
        constants = tensors(entry, sample.inputs, requires_grad=False)

        def fn(*checked, sample=sample, positions=positions, constants=constants):
            args = list(constants)
            for i, t in zip(positions, checked):
                args[i] = t
            return entry.fn(*args, **sample.params)

        report = gradcheck(fn, [sample.inputs[i] for i in positions])
        assert report.ok and report.positions == list(range(len(positions)))


@pytest.mark.parametrize("entry", DIFFERENTIABLE, ids=ids)
def test_gradients_have_input_shape_and_dtype(entry):
    for sample in samples(entry):
        _, grads64 = run(entry, sample)
        out, grads32 = run(entry, sample, dtypes_for(sample, np.float32))
        for i, (a, g32, g64) in enumerate(zip(sample.inputs, grads32, grads64)):
            if i not in entry.diff:
                assert g32 is None, f"input {i} is not differentiable but got a gradient"
                continue
            assert g32.shape == a.shape and g32.dtype == np.float32, (sample, g32.shape, g32.dtype)
            assert g64.shape == a.shape and g64.dtype == np.float64
            np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5, err_msg=str(sample))


@pytest.mark.parametrize("entry", [e for e in DIFFERENTIABLE if len(e.diff) > 1], ids=ids)
def test_mixed_dtypes_promote_and_gradients_keep_input_dtype(entry):
    for sample in samples(entry):
        floats = [i for i in entry.diff if i < len(sample.inputs)]
        dtypes = [np.float32 if i == floats[0] else np.float64 for i in range(len(sample.inputs))]
        arrays = [cast(a, d) if isinstance(a, np.ndarray) else a for a, d in zip(sample.inputs, dtypes)]
        out, grads = run(entry, sample, dtypes)
        # NumPy's own promotion of the arrays (NumPy 1.x lets a 0-d float64 array give way to
        # a float32 array; NumPy 2 promotes to float64), Python numbers left out as weak
        promoted = np.result_type(*[a for a in arrays if isinstance(a, np.ndarray)])
        assert out.dtype == np.asarray(entry.ref(*arrays, **sample.params)).dtype == promoted
        for i in floats:
            assert grads[i].dtype == dtypes[i], (i, grads[i].dtype)


@pytest.mark.parametrize("layout", [strided, fortran])
@pytest.mark.parametrize("entry", ENTRIES, ids=ids)
def test_non_contiguous_inputs(entry, layout):
    for sample in samples(entry):
        out, grads = run(entry, sample)
        out_nc, grads_nc = run(entry, sample, layout=layout)
        np.testing.assert_allclose(out_nc.data, out.data, rtol=1e-13, atol=1e-14)
        for g, g_nc in zip(grads, grads_nc):
            if g is not None:
                np.testing.assert_allclose(g_nc, g, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("entry", NO_GRAD, ids=ids)
def test_no_gradient_through_ops_without_one(entry):
    for sample in samples(entry):
        inputs = tensors(entry, sample.inputs)
        floats = [t for t in inputs if isinstance(t, cr.Tensor) and t.dtype.kind == "f"]
        assert floats == [] or any(t.requires_grad for t in floats)  # bool/int inputs cannot require grad
        out = entry.fn(*inputs, **sample.params)
        assert not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize("entry, case", ERRORS)
def test_expected_errors(entry, case):
    inputs = tensors(entry, case.inputs, requires_grad=False)
    with pytest.raises(case.exception, match=re.escape(case.match)):
        entry.fn(*inputs, **case.params)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.torch is not None], ids=ids)
def test_parity_with_pytorch(entry):
    torch = pytest.importorskip("torch")
    for sample in samples(entry):
        out, grads = run(entry, sample)
        t_inputs = [
            torch.from_numpy(a.copy()).requires_grad_(i in entry.diff and a.dtype.kind == "f")
            if isinstance(a, np.ndarray) else a
            for i, a in enumerate(sample.inputs)
        ]
        t_out = entry.torch(*t_inputs, **sample.params)
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=str(sample))
        if not entry.diff:
            continue
        weights = np.random.default_rng(1).standard_normal(out.shape)
        t_out.backward(torch.from_numpy(weights))
        for i, g in enumerate(grads):
            if g is not None:
                np.testing.assert_allclose(g, t_inputs[i].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=f"input {i} of {sample}")
