"""RNN, LSTM, GRU and their cells against PyTorch with the same weights: outputs, final states and
every gradient to 1e-12 in float64; finite differences; state dicts; errors; a small training run."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import ShapeError

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-10, atol=1e-12)
KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {}), ("LSTM", {"proj_size": 2})]
CONFIGS = [
    {},
    {"num_layers": 2, "batch_first": True},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "bias": False, "batch_first": True},
]
L, N, IN, H = 4, 3, 3, 5


def _twins(kind, **params):
    """A chainrule layer in float64 holding a fresh PyTorch layer's weights, and that layer."""
    theirs = getattr(torch.nn, kind)(IN, H, **params).double()
    ours = getattr(nn, kind)(IN, H, **params, dtype="float64")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _pair(array):
    """The same float64 values as a chainrule leaf and a torch leaf, both requiring grad."""
    return cr.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def _flat(result, is_cell):
    """A layer's (output, h_n) or (output, (h_n, c_n)), or a cell's h' or (h', c'), as a list."""
    if is_cell:
        return list(result) if isinstance(result, tuple) else [result]
    output, state = result
    return [output] + (list(state) if isinstance(state, tuple) else [state])


def _compare(ours, theirs, x_shape, states):
    """Run both on one random input (and initial states when ``states``); compare every output,
    then backward of a random weighting of the outputs and compare every gradient."""
    rng = np.random.default_rng(1)
    x, tx = _pair(rng.standard_normal(x_shape))
    inputs, torch_inputs = [x], [tx]
    hx = thx = None
    is_cell = isinstance(theirs, torch.nn.RNNCellBase)
    if states:
        mode = "LSTM" if isinstance(theirs, (torch.nn.LSTM, torch.nn.LSTMCell)) else ""
        layers = getattr(theirs, "num_layers", None)
        lead = () if layers is None else (layers * (2 if theirs.bidirectional else 1),)
        batch = x_shape[:-1] if layers is None else (() if len(x_shape) == 2 else (N,))
        h_size = getattr(theirs, "proj_size", 0) or H
        pairs = [_pair(rng.standard_normal(lead + batch + (h_size,)))]
        if mode == "LSTM":
            pairs.append(_pair(rng.standard_normal(lead + batch + (H,))))
        hx, thx = [p[0] for p in pairs], [p[1] for p in pairs]
        inputs += hx
        torch_inputs += thx
        hx, thx = (tuple(hx), tuple(thx)) if mode == "LSTM" else (hx[0], thx[0])
    result, expected = ours(x, hx), theirs(tx, thx)
    outs, touts = _flat(result, is_cell), _flat(expected, is_cell)
    assert len(outs) == len(touts)
    loss, tloss = 0, 0
    for out, tout in zip(outs, touts):
        assert out.shape == tuple(tout.shape)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **TOL)
        weight = rng.standard_normal(out.shape)
        loss, tloss = loss + (out * cr.tensor(weight)).sum(), tloss + (tout * torch.tensor(weight)).sum()
    loss.backward()
    tloss.backward()
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), getattr(theirs, name).grad.numpy(), **TOL, err_msg=name)
    for ours_in, theirs_in in zip(inputs, torch_inputs):
        np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), **TOL)


@pytest.mark.parametrize("states", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
@pytest.mark.parametrize("kind, extra", KINDS, ids=lambda k: str(k))
def test_layer_matches_torch_outputs_states_and_every_gradient(kind, extra, config, states):
    ours, theirs = _twins(kind, **extra, **config)
    assert repr(ours) == repr(theirs)
    shape = (N, L, IN) if config.get("batch_first") else (L, N, IN)
    _compare(ours, theirs, shape, states)


@pytest.mark.parametrize("states", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("kind, extra", KINDS, ids=lambda k: str(k))
def test_unbatched_input_matches_torch(kind, extra, states):
    ours, theirs = _twins(kind, **extra, num_layers=2, bidirectional=True, batch_first=True)
    _compare(ours, theirs, (L + 1, IN), states)  # an odd length: the input is split unevenly


@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("states", [False, True])
@pytest.mark.parametrize("kind, extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
                                         ("LSTMCell", {}), ("GRUCell", {}), ("GRUCell", {"bias": False})])
def test_cells_match_torch(kind, extra, states, unbatched):
    theirs = getattr(torch.nn, kind)(IN, H, **extra).double()
    ours = getattr(nn, kind)(IN, H, **extra, dtype="float64")
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    _compare(ours, theirs, (IN,) if unbatched else (N, IN), states)


def test_dropout_between_layers_only_in_training():
    ours, theirs = _twins("LSTM", num_layers=2, dropout=1.0)  # p = 1 zeroes the whole input of layer 1
    _compare(ours, theirs, (L, N, IN), states=True)
    x = cr.tensor(np.random.default_rng(2).standard_normal((L, N, IN)))
    ours.dropout = 0.5
    cr.manual_seed(3)
    first = ours(x)[0].detach().numpy()
    cr.manual_seed(3)
    np.testing.assert_array_equal(ours(x)[0].detach().numpy(), first)  # seeded: the same masks
    ours.eval()
    theirs.eval()
    evaluated = ours(x)[0].detach().numpy()
    np.testing.assert_allclose(evaluated, theirs(torch.tensor(x.numpy()))[0].detach().numpy(), **TOL)
    assert np.abs(first - evaluated).max() > 1e-3


def test_lstm_gradients_match_finite_differences():
    """Central differences in float64 at 5 random entries of every parameter, of the input and
    of both initial states of a two-layer bidirectional LSTM with a projection."""
    cr.manual_seed(0)
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2, dtype="float64")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((3, 2, 2), (4, 2, 2), (4, 2, 3))]
    weights = [rng.standard_normal(s) for s in ((3, 2, 4), (4, 2, 2), (4, 2, 3))]

    def loss(*values):
        x, h0, c0 = (cr.tensor(v, requires_grad=True) for v in values)
        out, (h, c) = lstm(x, (h0, c0))
        total = sum(((t * cr.tensor(w)).sum() for t, w in zip((out, h, c), weights)), cr.tensor(0.0))
        return total, (x, h0, c0)

    total, leaves = loss(*arrays)
    total.backward()
    checked = [(p.detach().numpy(), p.grad.numpy()) for p in lstm.parameters()]
    checked += [(a, leaf.grad.numpy()) for a, leaf in zip(arrays, leaves)]
    eps = 1e-6
    for array, analytic in checked:
        entries = [np.unravel_index(k, array.shape) for k in rng.choice(array.size, 5, replace=False)]
        for i in entries:
            keep = array[i]
            array[i] = keep + eps
            up = loss(*arrays)[0].item()
            array[i] = keep - eps
            down = loss(*arrays)[0].item()
            array[i] = keep
            np.testing.assert_allclose(analytic[i], (up - down) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_state_dict_keys_shapes_and_init_are_pytorchs():
    theirs = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    cr.manual_seed(0)
    ours = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    bound = 1 / math.sqrt(4)
    for name, param in ours.named_parameters():
        assert param.dtype == np.float32
        values = param.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound, name
    cr.manual_seed(0)
    again = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    np.testing.assert_array_equal(again.weight_hr_l1.detach().numpy(), ours.weight_hr_l1.detach().numpy())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours.weight_ih_l1_reverse.detach().numpy(),
                                  theirs.weight_ih_l1_reverse.detach().numpy())
    assert len(ours.all_weights) == 4 and [p.shape for p in ours.all_weights[3]] == \
        [tuple(p.shape) for p in theirs.all_weights[3]]


@pytest.mark.parametrize("call, exception, message", [
    (lambda: nn.LSTM(3, 5)(cr.zeros(4, 2, 6)), ShapeError,
     "LSTM: input of shape (4, 2, 6) does not match input_size=3 (expected (L, N, 3) or (L, 3) unbatched)"),
    (lambda: nn.GRU(3, 5, batch_first=True)(cr.zeros(1, 4, 2, 3)), ShapeError,
     "GRU: expected input of 2 or 3 dims, (N, L, 3) or (L, 3) unbatched, got shape (1, 4, 2, 3)"),
    (lambda: nn.LSTM(3, 5, batch_first=True)(cr.zeros(2, 0, 3)), ShapeError,
     "LSTM: the input of shape (2, 0, 3) has no time steps (L = 0)"),
    (lambda: nn.RNN(3, 5, dtype="float64")(cr.zeros(4, 2, 3)), ValueError,
     "RNN: input dtype float32 does not match the weights' dtype float64"),
    (lambda: nn.LSTM(3, 5)(cr.zeros(4, 2, 3, dtype=cr.int64)), ValueError,
     "LSTM: input dtype int64 does not match the weights' dtype float32"),
    (lambda: nn.RNN(3, 5, num_layers=2)(cr.zeros(4, 2, 3), cr.zeros(1, 2, 5)), ShapeError,
     "RNN: h_0 of shape (1, 2, 5) does not match the input (expected (2, 2, 5))"),
    (lambda: nn.LSTM(3, 5)(cr.zeros(4, 3), (cr.zeros(1, 2, 5), cr.zeros(1, 2, 5))), ShapeError,
     "LSTM: h_0 of shape (1, 2, 5) does not match the input (expected (1, 5))"),
    (lambda: nn.LSTM(3, 5)(cr.zeros(4, 2, 3), cr.zeros(1, 2, 5)), TypeError,
     "LSTM: expected the initial state as a tuple (h_0, c_0), got Tensor"),
    (lambda: nn.GRUCell(3, 5)(cr.zeros(2, 3), cr.zeros(3, 5)), ShapeError,
     "GRUCell: h of shape (3, 5) does not match the input (expected (2, 5))"),
    (lambda: nn.LSTMCell(3, 5)(cr.zeros(2, 4)), ShapeError,
     "LSTMCell: input of shape (2, 4) does not match input_size=3"),
    (lambda: nn.LSTM(3, 5)(np.zeros((4, 2, 3))), TypeError, "LSTM: expected the input to be a Tensor, got ndarray"),
    (lambda: nn.GRU(3, 5, proj_size=2), TypeError, "unexpected keyword argument 'proj_size'"),
    (lambda: nn.LSTM(3, 5, proj_size=5), ValueError, "LSTM: proj_size (5) must be smaller than hidden_size (5)"),
    (lambda: nn.RNN(3, 5, nonlinearity="sigmoid"), ValueError, "RNN: unknown nonlinearity 'sigmoid'"),
    (lambda: nn.LSTM(3, 5, 2, dropout=1.5), ValueError, "LSTM: dropout must be a number in [0, 1]"),
    (lambda: nn.LSTM(3, 0), ValueError, "LSTM: hidden_size must be an integer >= 1, got 0"),
    (lambda: nn.LSTM(3, 5, device="cuda"), RuntimeError, "LSTM"),
])
def test_clear_errors(call, exception, message):
    with pytest.raises(exception) as info:
        call()
    assert message in str(info.value)


def test_packed_sequences_are_refused_and_the_layer_is_named_in_a_model():
    class Packed:
        batch_sizes = np.array([2, 1])

    with pytest.raises(TypeError, match=r"LSTM: packed sequences \(PackedSequence\) are not supported"):
        nn.LSTM(3, 5)(Packed())
    model = nn.Sequential(nn.Identity(), nn.GRU(3, 4))
    with pytest.raises(ValueError, match=r"layer '1' \(GRU\(3, 4\)\): GRU: input dtype float64"):
        model(cr.zeros(2, 3, dtype=cr.float64))


def test_dropout_on_one_layer_warns_as_pytorch():
    with pytest.warns(UserWarning, match="num_layers=1 has no effect"):
        nn.GRU(3, 4, dropout=0.2)


def test_lstm_learns_to_remember_the_first_element():
    """A seeded LSTM + Linear learns to output the first of 6 random signs after reading all 6:
    the mean squared error falls from about 1 to below 1e-4 in 150 Adam steps."""
    cr.manual_seed(0)
    rng = np.random.default_rng(0)
    lstm, head = nn.LSTM(1, 8, batch_first=True), nn.Linear(8, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    optimizer = cr.optim.Adam(params, lr=0.05)
    losses = []
    for _ in range(150):
        signs = rng.choice([-1.0, 1.0], (32, 6, 1)).astype(np.float32)
        output, (h_n, _) = lstm(cr.tensor(signs))
        loss = nn.functional.mse_loss(head(h_n[0]), cr.tensor(signs[:, 0]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 0.8
    assert np.mean(losses[-10:]) < 1e-4  # 3e-6 here


def test_float32_layers_match_torch_and_convert_with_double():
    theirs = torch.nn.GRU(IN, H, num_layers=2, batch_first=True)
    ours = nn.GRU(IN, H, num_layers=2, batch_first=True)
    ours.load_state_dict(theirs.state_dict())  # torch CPU tensors load as they are
    x = np.random.default_rng(4).standard_normal((N, L, IN)).astype(np.float32)
    out, h_n = ours(cr.tensor(x))
    expected, expected_h = theirs(torch.tensor(x))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(h_n.detach().numpy(), expected_h.detach().numpy(), rtol=2e-4, atol=2e-5)
    ours.double()
    assert ours(cr.tensor(x.astype(np.float64)))[0].dtype == np.float64
