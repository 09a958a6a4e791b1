"""One dtype rule for every layer with parameters, as PyTorch's: the input's dtype must be the
parameters' (no promotion of float32 or int64 data), and the error names the layer path, the
op, both dtypes and the fix. Each case is also checked against PyTorch, which refuses it too."""
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import DTypeError
from chainrule.autograd.function import check_input_dtype

# (name, chainrule layer, torch layer, op in the message, input shape)
LAYERS = [
    ("Linear", lambda d: nn.Linear(3, 2, dtype=d), lambda t, d: t.nn.Linear(3, 2, dtype=d), "linear", (4, 3)),
    ("Linear(bias=False)", lambda d: nn.Linear(3, 2, bias=False, dtype=d),
     lambda t, d: t.nn.Linear(3, 2, bias=False, dtype=d), "linear", (4, 3)),
    ("Conv1d", lambda d: nn.Conv1d(1, 2, 3, dtype=d), lambda t, d: t.nn.Conv1d(1, 2, 3, dtype=d), "conv1d",
     (1, 1, 5)),
    ("Conv2d", lambda d: nn.Conv2d(1, 2, 3, dtype=d), lambda t, d: t.nn.Conv2d(1, 2, 3, dtype=d), "conv2d",
     (1, 1, 5, 5)),
    ("ConvTranspose2d", lambda d: nn.ConvTranspose2d(1, 2, 3, dtype=d),
     lambda t, d: t.nn.ConvTranspose2d(1, 2, 3, dtype=d), "conv_transpose2d", (1, 1, 4, 4)),
    ("BatchNorm1d", lambda d: nn.BatchNorm1d(3, dtype=d), lambda t, d: t.nn.BatchNorm1d(3, dtype=d),
     "batch_norm", (4, 3)),
    ("BatchNorm2d(affine=False)", lambda d: nn.BatchNorm2d(3, affine=False, dtype=d),  # the running stats count
     lambda t, d: t.nn.BatchNorm2d(3, affine=False, dtype=d), "batch_norm", (4, 3, 2, 2)),
    ("LayerNorm", lambda d: nn.LayerNorm(3, dtype=d), lambda t, d: t.nn.LayerNorm(3, dtype=d), "layer_norm",
     (4, 3)),
    ("GroupNorm", lambda d: nn.GroupNorm(1, 3, dtype=d), lambda t, d: t.nn.GroupNorm(1, 3, dtype=d), "group_norm",
     (4, 3, 2)),
]
WRONG = [  # (layer dtype, input dtype, the fix the message gives)
    ("float64", "float32", "convert the input (x.to(chainrule.float64)) or the model (model.to(chainrule.float32))"),
    ("float32", "float64", "convert the input (x.to(chainrule.float32)) or the model (model.to(chainrule.float64))"),
    ("float32", "int64", "convert the input to floats: x.to(chainrule.float32)"),
]


def _model(layer):
    return nn.Sequential(nn.Identity(), nn.Sequential(nn.Identity(), layer))


@pytest.mark.parametrize("layer_dtype, input_dtype, fix", WRONG)
@pytest.mark.parametrize("name, make, make_torch, op, shape", LAYERS, ids=[entry[0] for entry in LAYERS])
def test_a_wrong_input_dtype_is_refused_naming_layer_op_and_dtypes(name, make, make_torch, op, shape,
                                                                   layer_dtype, input_dtype, fix):
    layer = make(getattr(cr, layer_dtype))
    x = cr.tensor(np.ones(shape, dtype=input_dtype))
    expected = (f"layer '1.1' ({layer!r}): {op}: input is {input_dtype} but the parameters are {layer_dtype}; "
                f"{fix}")
    with pytest.raises(DTypeError, match=f"^{re.escape(expected)}$"):
        _model(layer)(x)
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)):  # PyTorch refuses every one of them
        make_torch(torch, getattr(torch, layer_dtype))(torch.ones(shape, dtype=getattr(torch, input_dtype)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, make, make_torch, op, shape", LAYERS, ids=[entry[0] for entry in LAYERS])
def test_the_parameters_dtype_passes_and_is_kept(name, make, make_torch, op, shape, dtype):
    out = _model(make(getattr(cr, dtype)))(cr.tensor(np.ones(shape, dtype=dtype)))
    assert out.dtype == dtype


@pytest.mark.parametrize("layer", [nn.LayerNorm(3, elementwise_affine=False),
                                   nn.BatchNorm1d(3, affine=False, track_running_stats=False)])
def test_a_layer_without_parameters_or_running_stats_takes_any_float_dtype_as_pytorch(layer):
    assert layer(cr.ones(4, 3, dtype=cr.float64)).dtype == np.float64


@pytest.mark.parametrize("dtype", ["float64", "uint8", "bool", "int16"])
def test_embedding_takes_int64_or_int32_indices_only_as_pytorch(dtype):
    model = _model(nn.Embedding(5, 2))
    expected = (f"layer '1.1' (Embedding(5, 2)): embedding: indices must be integers (int64 or int32), "
                f"got dtype {dtype}")
    with pytest.raises(DTypeError, match=f"^{re.escape(expected)}$"):
        model(cr.tensor(np.ones(3, dtype=dtype)))
    for good in ("int64", "int32"):
        assert model(cr.tensor(np.ones(3, dtype=good))).shape == (3, 2)


def test_shape_value_and_index_errors_inside_a_model_name_the_layer_path_too():
    conv = "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))"
    with pytest.raises(cr.autograd.ShapeError, match=re.escape(f"layer '1.1' ({conv}): conv2d: input of shape")):
        _model(nn.Conv2d(1, 2, 3))(cr.ones(1, 1, 2, 2))
    with pytest.raises(IndexError, match=re.escape("layer '1.1' (Embedding(5, 2)): embedding: index 7 is out of "
                                                   "range for 5 embeddings")):
        _model(nn.Embedding(5, 2))(cr.tensor(np.array([7])))
    with pytest.raises(ValueError, match=re.escape("layer '1.1' (Embedding(5, 2, sparse=True)): embedding: sparse")):
        _model(nn.Embedding(5, 2, sparse=True))(cr.tensor(np.array([1])))


def test_the_check_compares_dtypes_only():
    """The helper recurrent layers call: None parameters and inputs without a dtype are skipped."""
    check_input_dtype("rnn", cr.ones(2), None, cr.ones(3))
    check_input_dtype("rnn", [1.0, 2.0], cr.ones(3))  # the op converts it (or says why not)
    with pytest.raises(DTypeError, match=re.escape("rnn: input is float16 but the parameters are float32")):
        check_input_dtype("rnn", np.ones(2, np.float16), None, cr.ones(3))
