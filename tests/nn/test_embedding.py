import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

INDICES = np.array([[0, 3, 3], [1, 0, 4]])


def test_embedding_matches_torch_with_padding_idx(check_torch_parity):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Embedding(5, 3, padding_idx=0), torch.nn.Embedding(5, 3, padding_idx=0)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == ["weight"]
    np.testing.assert_array_equal(ours.weight.data[0], 0)  # the padding row starts at zero
    ours.load_state_dict(theirs.state_dict())
    out = check_torch_parity(lambda i: ours(i), lambda i: theirs(i), [INDICES])
    assert out.shape == (2, 3, 3)
    ours.zero_grad()
    ours(cr.tensor(INDICES)).sum().backward()
    expected = np.zeros((5, 3))
    for row, count in ((1, 1), (3, 2), (4, 1)):  # row 0 is padding: no gradient although used twice
        expected[row] = count
    np.testing.assert_array_equal(ours.weight.grad, expected)


def test_embedding_max_norm_renormalizes_looked_up_rows_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Embedding(6, 4, max_norm=1.0, norm_type=1.0)
    theirs = torch.nn.Embedding(6, 4, max_norm=1.0, norm_type=1.0)
    theirs.load_state_dict({"weight": torch.from_numpy(np.asarray(ours.weight.data).copy())})
    out, expected = ours(cr.tensor(INDICES)), theirs(torch.from_numpy(INDICES))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-6)
    assert repr(ours) == repr(theirs)


def test_from_pretrained_shares_and_freezes():
    table = cr.tensor(np.arange(6.0).reshape(3, 2))
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad and np.shares_memory(np.asarray(layer.weight), np.asarray(table))
    np.testing.assert_array_equal(layer(cr.tensor(np.array([2, 0]))).data, [[4, 5], [0, 1]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_errors():
    with pytest.raises(IndexError, match="Embedding: padding_idx 5 must be within the 5 embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(IndexError, match="embedding: index 7 is out of range for 5 embeddings"):
        nn.Embedding(5, 2)(cr.tensor(np.array([7])))
    with pytest.raises(ValueError, match="embedding: sparse gradients are not supported"):
        nn.Embedding(5, 2, sparse=True)(cr.tensor(np.array([1])))
