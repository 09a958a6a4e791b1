"""bptt: dL/dh_t per time step, against PyTorch's cells unrolled by hand with retain_grad."""
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule import explain, nn

torch = pytest.importorskip("torch")

L, N, IN, H = 5, 2, 3, 4


def _torch_unrolled(layer, x, weights):
    """dL/dh_t for each direction of a one-layer torch ``layer``, unrolled with its cells."""
    cell_class = {"RNN_TANH": torch.nn.RNNCell, "LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell}[layer.mode]
    states, outs = [], []
    for suffix in ("", "_reverse")[:2 if layer.bidirectional else 1]:
        cell = cell_class(IN, H).double()
        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        cell.load_state_dict({k: getattr(layer, f"{k}_l0{suffix}") for k in kinds})
        state, hs = None, [None] * L
        for t in (reversed(range(L)) if suffix else range(L)):
            state = cell(x[t], state)
            h = state[0] if isinstance(state, tuple) else state
            h.retain_grad()
            hs[t] = h
        states.append(hs)
        outs.append(torch.stack(hs))
    output = torch.cat(outs, -1)
    h_n = torch.stack([hs[-1] if d == 0 else hs[0] for d, hs in enumerate(states)])
    ((output * torch.tensor(weights[0])).sum() + (h_n * torch.tensor(weights[1])).sum()).backward()
    return [[h.grad.numpy() for h in hs] for hs in states]


@pytest.mark.parametrize("kind, bidirectional", [("RNN", False), ("LSTM", False), ("GRU", True), ("LSTM", True)])
def test_bptt_gives_torchs_gradient_at_every_hidden_state(kind, bidirectional):
    theirs = getattr(torch.nn, kind)(IN, H, bidirectional=bidirectional).double()
    ours = getattr(nn, kind)(IN, H, bidirectional=bidirectional, dtype="float64")
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((L, N, IN))
    d = 2 if bidirectional else 1
    weights = [rng.standard_normal((L, N, d * H)), rng.standard_normal((d, N, H))]
    out, state = ours(cr.tensor(x))
    h_n = state[0] if kind == "LSTM" else state
    loss = (out * cr.tensor(weights[0])).sum() + (h_n * cr.tensor(weights[1])).sum()
    report = explain.bptt(loss, out)
    expected = _torch_unrolled(theirs, torch.tensor(x), weights)
    assert len(report.grads) == d and report.norms.shape == (d, L)
    for ours_direction, theirs_direction in zip(report.grads, expected):
        for got, want in zip(ours_direction, theirs_direction):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(report.norms, [[np.linalg.norm(g) for g in e] for e in expected], rtol=1e-12)
    assert ours.weight_hh_l0.grad is not None  # backward ran (recording) as plain backward would


def test_a_tiny_rnn_shows_the_gradient_vanishing_back_in_time():
    """The example of docs/explain.md: the loss reads only the last step, so dL/dh_t is the
    product of the Jacobians from t to the end and shrinks by about 0.5 per step."""
    cr.manual_seed(0)
    rnn = nn.RNN(1, 4, dtype="float64")
    out, _ = rnn(cr.tensor(np.ones((8, 1, 1))))
    loss = out[-1].sum()
    loss.backward()  # without recording: bptt replays the graph
    report = explain.bptt(loss, out)
    norms = report.norms[0]
    assert norms[-1] == pytest.approx(2.0)  # dL/dh_7 = ones(1, 4)
    assert all(norms[:-1] < norms[1:]) and norms[0] < 2e-3 * norms[-1]
    text = str(report)
    assert text.splitlines()[2].split()[:2] == ["7", "2.0000e+00"]
    assert f"{norms[0]:.4e}" in text.splitlines()[-1]
    assert f"```\n{text}\n```" in (Path(__file__).parents[2] / "docs" / "explain.md").read_text()


def test_bptt_needs_a_recurrent_output():
    x = cr.randn(3, 2, requires_grad=True)
    with pytest.raises(TypeError, match=r"bptt: expected the output of an RNN, LSTM or GRU layer .* grad_fn Mul"):
        explain.bptt((x * 2).sum(), x * 2)


def test_trace_of_a_two_step_rnn_adds_w_hh_gradient_once_per_step():
    cr.manual_seed(0)
    rnn = nn.RNN(1, 1, dtype="float64")
    out, _ = rnn(cr.tensor(np.ones((2, 1, 1))))
    text = str(explain.trace(out[-1].sum(), names={"W_hh": rnn.weight_hh_l0}))
    forward = text.split("\nbackward")[0]
    assert forward.count("tanh(") == 2 and forward.count("W_hh, ") == 2  # one tanh gate and one h W_hh^T per step
    total = rnn.weight_hh_l0.grad.item()
    assert "(fan-out: contribution 1 of 2, dW_hh" in text
    assert f"(fan-out: contribution 2 of 2, dW_hh = {total:.4g})" in text
