"""pad_sequence against torch's, values and gradients; packed sequences refused clearly."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import ShapeError
from chainrule.nn.utils import rnn

torch = pytest.importorskip("torch")
LENGTHS = (3, 1, 4)


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_torch_values_and_gradients(batch_first, padding_side):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2)) for n in LENGTHS]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = rnn.pad_sequence(ours, batch_first, -1.5, padding_side)
    expected = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, -1.5, padding_side)
    assert out.shape == tuple(expected.shape) == ((3, 4, 2) if batch_first else (4, 3, 2))
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    weight = rng.standard_normal(out.shape)
    (out * cr.tensor(weight)).sum().backward()
    (expected * torch.tensor(weight)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_pad_sequence_of_token_ids_keeps_the_integer_dtype_and_feeds_an_lstm():
    ids = [cr.tensor(np.array([4, 2, 7])), cr.tensor(np.array([1]))]
    padded = rnn.pad_sequence(ids, batch_first=True, padding_value=0)
    assert padded.dtype == np.int64
    np.testing.assert_array_equal(padded.numpy(), [[4, 2, 7], [1, 0, 0]])
    output, (h_n, c_n) = cr.nn.LSTM(3, 5, batch_first=True)(cr.nn.Embedding(8, 3)(padded))
    assert output.shape == (2, 3, 5) and h_n.shape == (1, 2, 5)
    assert rnn.pad_sequence(cr.ones(2, 3)).shape == (3, 2)  # a Tensor is its rows, as in torch


@pytest.mark.parametrize("call, exception, message", [
    (lambda: rnn.pad_sequence([]), ValueError, "pad_sequence: received an empty list of sequences"),
    (lambda: rnn.pad_sequence([cr.ones(2, 3), cr.ones(3, 4)]), ShapeError,
     "pad_sequence: sequences must be (L_i, *) with the same trailing dims, got shapes (2, 3), (3, 4)"),
    (lambda: rnn.pad_sequence([cr.ones(2)], padding_side="middle"), ValueError,
     "pad_sequence: padding_side must be 'left' or 'right', got 'middle'"),
    (lambda: rnn.pad_sequence([np.ones(2)]), TypeError, "pad_sequence: expected a list of Tensors, got a ndarray"),
    (lambda: rnn.pack_padded_sequence(cr.ones(3, 2, 1), [3, 2]), NotImplementedError,
     "pack_padded_sequence: packed sequences are not supported by chainrule; pass the padded batch"),
    (lambda: rnn.pad_packed_sequence(None), NotImplementedError, "pad_packed_sequence: packed sequences"),
])
def test_clear_errors(call, exception, message):
    with pytest.raises(exception) as info:
        call()
    assert message in str(info.value)
