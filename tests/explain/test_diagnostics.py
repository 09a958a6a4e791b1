import types

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim
from chainrule.explain.diagnostics import GradientDiagnostics, metrics_of, plot_diagnostics
from chainrule.nn import functional as F


def batches(n_batches=3, size=8, features=6, seed=0):
    rng = np.random.default_rng(seed)
    return [(cr.tensor(rng.standard_normal((size, features)).astype(np.float32)),
             cr.tensor(rng.integers(0, 3, size))) for _ in range(n_batches)]


def train(model, diagnostics, data, lr=0.1):
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        diagnostics.step()
    return diagnostics.end_epoch()


def test_deep_sigmoid_network_shows_the_vanishing_gradient():
    cr.manual_seed(0)
    sizes = [6, 12, 12, 12, 12, 3]
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers += [nn.Linear(a, b)] + ([nn.Sigmoid()] if i < len(sizes) - 2 else [])
    model = nn.Sequential(*layers)
    summary = train(model, GradientDiagnostics(model), batches())
    deltas = [summary[f"delta/{i}"] for i in (0, 2, 4, 6, 8)]
    assert all(a < b for a, b in zip(deltas, deltas[1:])), deltas
    assert deltas[-1] / deltas[0] > 100
    assert set(summary) == {f"{m}/{i}" for m in ("grad_norm", "grad_rms", "delta", "update_ratio")
                            for i in (0, 2, 4, 6, 8)}
    assert metrics_of(summary) == ["delta", "grad_rms", "update_ratio"]  # no dead-ReLU panel: no ReLU
    assert all(isinstance(v, float) for v in summary.values())


def test_numbers_match_a_hand_computation():
    cr.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))
    diagnostics = GradientDiagnostics(model)
    (x, y), = batches(1)
    before = model[0].weight.detach().numpy().copy()
    z = []
    handle = model[0].register_forward_hook(lambda m, i, out: z.append(out) or out.retain_grad())
    summary = train(model, diagnostics, [(x, y)], lr=0.5)
    handle.remove()
    grad = z[0].grad.numpy()
    assert summary["delta/0"] == pytest.approx(np.mean(np.abs(grad)), rel=1e-6)
    ratio = np.linalg.norm(model[0].weight.detach().numpy() - before) / np.linalg.norm(before)
    assert summary["update_ratio/0"] == pytest.approx(ratio, rel=1e-6)
    assert summary["grad_norm/0"] == pytest.approx(np.linalg.norm(model[0].weight.grad), rel=1e-6)
    weight_count = np.size(np.asarray(model[0].weight.grad))  # the norm per weight: comparable across sizes
    assert summary["grad_rms/0"] == pytest.approx(summary["grad_norm/0"] / np.sqrt(weight_count), rel=1e-12)


def test_dead_relu_fraction_and_evaluation_is_not_recorded():
    cr.manual_seed(2)
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))
    with cr.no_grad():
        model[0].bias.detach().numpy()[0] = -100.0  # unit 0 never fires
    diagnostics = GradientDiagnostics(model)
    summary = train(model, diagnostics, batches())
    assert summary["dead_relu/1"] == pytest.approx(0.25)
    model.eval()
    with cr.no_grad():
        model(batches(1)[0][0])
    assert diagnostics._active == {} and diagnostics._sums["delta"] == {}
    diagnostics.close()
    model.train()
    F.cross_entropy(model(batches(1)[0][0]), batches(1)[0][1]).backward()
    assert diagnostics._sums["delta"] == {}  # hooks removed


def test_callback_protocol_extends_the_record_and_plots(tmp_path):
    cr.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))
    diagnostics = GradientDiagnostics(model, plot_path=tmp_path / "diagnostics.png")
    run = types.SimpleNamespace(state=types.SimpleNamespace(history=[]))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    diagnostics.on_train_begin(run)
    for epoch in (1, 2):
        diagnostics.on_epoch_begin(run)
        for x, y in batches(seed=epoch):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            diagnostics.on_step_end(run)
        record = {"epoch": epoch, "train_loss": 1.0}
        run.state.history.append(record)
        diagnostics.on_epoch_end(run, record)
        assert "delta/0" in record and "dead_relu/1" in record and record["train_loss"] == 1.0
        assert metrics_of(record) == ["delta", "grad_rms", "update_ratio", "dead_relu"]
    diagnostics.on_train_end(run)
    assert (tmp_path / "diagnostics.png").read_bytes()[:4] == b"\x89PNG"
    assert len(diagnostics.history) == 2


def test_plot_needs_diagnostics(tmp_path):
    with pytest.raises(ValueError, match="no diagnostics"):
        plot_diagnostics([{"epoch": 1, "train_loss": 0.3}], tmp_path / "x.png")
    with pytest.raises(ValueError, match="no layer with a weight matrix"):
        GradientDiagnostics(nn.Sequential(nn.ReLU()))


def test_a_plot_that_fails_to_be_written_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    import chainrule.io.atomic

    path = tmp_path / "diagnostics.png"
    path.write_bytes(b"the previous plot")

    def crash(source, destination):
        raise OSError("killed before the rename")

    monkeypatch.setattr(chainrule.io.atomic.os, "replace", crash)
    with pytest.raises(OSError, match="killed before the rename"):
        plot_diagnostics([{"epoch": 1, "grad_norm/0": 0.5}], path)
    assert path.read_bytes() == b"the previous plot" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_the_plot_format_follows_the_suffix(tmp_path):
    plot_diagnostics([{"epoch": 1, "grad_norm/0": 0.5}], tmp_path / "d.png")
    plot_diagnostics([{"epoch": 1, "grad_norm/0": 0.5}], tmp_path / "d.svg")
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "d.svg").read_bytes()[:500]


def test_the_plot_is_drawn_at_the_end_and_not_after_every_epoch(monkeypatch, tmp_path):
    """Drawing takes longer than an epoch of a small model: at most every min_interval s."""
    from chainrule.explain import diagnostics as module

    drawn = []
    monkeypatch.setattr(module, "plot_diagnostics", lambda history, path: drawn.append(len(history)))
    model = nn.Sequential(nn.Linear(4, 3))
    diagnostics = module.GradientDiagnostics(model, plot_path=tmp_path / "d.png", min_interval=3600)

    class Run:
        state = type("State", (), {"history": []})()

    run = Run()
    for epoch in range(3):
        diagnostics.on_epoch_begin(run)
        model(cr.randn(2, 4)).sum().backward()
        diagnostics.on_step_end(run)
        record = {"epoch": epoch + 1}
        diagnostics.on_epoch_end(run, record)
        run.state.history.append(record)
    diagnostics.on_train_end(run)
    assert drawn == [1, 3]  # after the first epoch (nothing drawn yet), then only at the end
