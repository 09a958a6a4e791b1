import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.data import DataLoader, TensorDataset
from chainrule.nn import functional as F
from chainrule.optim import SGD
from chainrule.train import Callback, NonFiniteLossError, evaluate, fit


def _blobs(n=96, seed=0):
    """Two well separated classes in 2-D: a linear model reaches 100%."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    points = rng.normal(0, 0.3, (n, 2)).astype(np.float32) + np.where(labels[:, None], 2.0, -2.0)
    return TensorDataset(cr.tensor(points.astype(np.float32)), cr.tensor(labels))


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_begin(self, run):
        self.events.append("train_begin")

    def on_epoch_begin(self, run):
        self.events.append(f"epoch_begin {run.state.epoch}")

    def on_step_end(self, run):
        self.events.append(f"step {run.state.step}")

    def on_epoch_end(self, run, record):
        self.events.append(f"epoch_end {record['epoch']}")

    def on_train_end(self, run):
        self.events.append("train_end")


def test_fit_records_every_epoch_and_calls_the_callbacks_in_order():
    cr.manual_seed(0)
    model = nn.Linear(2, 2)
    recorder = Recorder()
    data = _blobs()
    history = fit(model, F.cross_entropy, SGD(model.parameters(), lr=0.5),
                  DataLoader(data, batch_size=32, shuffle=True), DataLoader(data, batch_size=50),
                  epochs=2, callbacks=[recorder])
    assert recorder.events == ["train_begin", "epoch_begin 0", "step 1", "step 2", "step 3",
                               "epoch_end 1", "epoch_begin 1", "step 4", "step 5", "step 6",
                               "epoch_end 2", "train_end"]
    assert [r["epoch"] for r in history.epochs] == [1, 2]
    assert set(history.epochs[0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc",
                                      "lr", "time"}
    assert history["val_acc"][-1] == 1.0 and history["lr"] == [0.5, 0.5]
    final = evaluate(model, F.cross_entropy, DataLoader(data, batch_size=50))
    assert history["val_loss"][-1] == pytest.approx(final.loss, rel=1e-6)


def test_train_loss_is_the_mean_over_examples_of_the_batch_losses():
    model = nn.Linear(2, 2)
    data = _blobs(n=10)
    losses = []

    class Losses(Callback):
        def on_step_end(self, run):
            losses.append(run.last_loss)

    history = fit(model, F.cross_entropy, SGD(model.parameters(), lr=0.0),
                  DataLoader(data, batch_size=4), epochs=1, callbacks=[Losses()])
    assert history["train_loss"][0] == pytest.approx((4 * losses[0] + 4 * losses[1] + 2 * losses[2]) / 10)
    assert "val_loss" not in history.epochs[0]


def test_evaluate_runs_in_eval_mode_without_graph_and_restores_the_mode():
    seen = []
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model.register_forward_hook(lambda module, inputs, output: seen.append(
        (module.training, output.requires_grad)))
    result = evaluate(model, F.cross_entropy, DataLoader(_blobs(n=8), batch_size=8))
    assert seen == [(False, False)] and model.training
    assert result.outputs.shape == (8, 2) and result.predictions.shape == (8,)
    assert result.accuracy == np.mean(result.predictions == result.targets)


def test_a_non_finite_loss_stops_training_before_any_update():
    model = nn.Linear(2, 2)
    before = {k: v.copy() for k, v in model.state_dict().items()}

    def exploding(output, target):
        return F.cross_entropy(output, target) * math.inf

    with pytest.raises(NonFiniteLossError, match=r"loss became inf at epoch 1, step 1 .*detect-anomaly"):
        fit(model, exploding, SGD(model.parameters(), lr=0.1), DataLoader(_blobs(), batch_size=8))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
