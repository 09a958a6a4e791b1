"""ReduceLROnPlateau against torch.optim.lr_scheduler; its state dict (src/chainrule/optim/plateau.py)."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.io import flatten_state, unflatten_state
from chainrule.optim import lr_scheduler

from .trajectory import assert_same_history, gradients, initial_weights, params

METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6,
           0.6, 0.6, 0.4, 0.4, 0.4, 0.41, 0.3999]
CONFIGS = [
    dict(patience=2),
    dict(mode="max", factor=0.5, patience=1, threshold=0.1, threshold_mode="abs", cooldown=2, min_lr=0.02),
    dict(patience=0, eps=0.05),
    dict(factor=0.3, patience=1, threshold=0.2, cooldown=1, min_lr=[1e-3, 0.0]),
    dict(mode="max", patience=1, threshold_mode="rel", threshold=0.05),
]


def _groups(module_params):
    a, b = module_params
    return [{"params": [a]}, {"params": [b], "lr": 0.05}]


def _run(opt, scheduler, parameters, grads, metrics, to_tensor):
    history = []
    for step_grads, metric in zip(grads, metrics):
        for p, g in zip(parameters, step_grads):
            p.grad = to_tensor(g.copy())
        opt.step()
        scheduler.step(metric)
        history.append(([p.detach().numpy().copy() for p in parameters], scheduler.get_last_lr()[0]))
    return history


@pytest.mark.parametrize("config", CONFIGS)
def test_lrs_and_trajectory_match_torch(config):
    torch = pytest.importorskip("torch")
    weights, grads = initial_weights(), gradients(len(METRICS))
    ours_params = params(weights)
    opt = optim.SGD(_groups(ours_params), lr=0.1, momentum=0.9)
    ours = lr_scheduler.ReduceLROnPlateau(opt, **config)
    theirs_params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    torch_opt = torch.optim.SGD(_groups(theirs_params), lr=0.1, momentum=0.9)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **config)
    history = _run(opt, ours, ours_params, grads, METRICS, cr.from_numpy)
    expected = _run(torch_opt, theirs, theirs_params, grads, METRICS, torch.tensor)
    assert_same_history(history, expected)
    assert ours.get_last_lr() == theirs.get_last_lr()
    assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter, ours.last_epoch) == (
        theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter, theirs.last_epoch)


def test_metrics_may_be_tensors_and_arrays():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    for metric in (cr.tensor(1.0), np.float64(2.0), np.array(3.0)):
        scheduler.step(metric)
    assert scheduler.best == 1.0 and scheduler.get_last_lr() == pytest.approx([0.001])


@pytest.mark.parametrize("config", CONFIGS)
def test_state_dict_mid_run_continues_identically(config):
    def fresh():
        opt = optim.SGD(_groups(params(initial_weights())), lr=0.1)
        return opt, lr_scheduler.ReduceLROnPlateau(opt, **config)

    opt, straight = fresh()
    expected = []
    for metric in METRICS:
        straight.step(metric)
        expected.append(straight.get_last_lr())
    opt, first = fresh()
    for metric in METRICS[:11]:
        first.step(metric)
    saved = unflatten_state(*flatten_state({"optimizer": opt.state_dict(), "scheduler": first.state_dict()}))
    opt2, resumed = fresh()
    opt2.load_state_dict(saved["optimizer"])
    resumed.load_state_dict(saved["scheduler"])
    for metric, lrs in zip(METRICS[11:], expected[11:], strict=True):
        resumed.step(metric)
        assert resumed.get_last_lr() == lrs


def test_best_may_be_infinite_in_a_file_before_any_step():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="max")
    state = unflatten_state(*flatten_state(scheduler.state_dict()))
    assert state["best"] == -math.inf
    scheduler.step(5.0)
    scheduler.load_state_dict(state)
    assert scheduler.best == -math.inf and scheduler.last_epoch == 0


@pytest.mark.parametrize("edit, message", [
    (dict(mode="median"), "mode must be 'min' or 'max', got 'median'"),
    (dict(threshold_mode="pct"), "threshold_mode must be 'rel' or 'abs'"),
    (dict(factor=1.5), r"factor must be in \[0, 1\), got 1.5"),
    (dict(patience=-1), "patience must be an integer >= 0, got -1"),
    (dict(num_bad_epochs=2.5), "num_bad_epochs must be an integer >= 0, got 2.5"),
    (dict(min_lrs=[-1.0]), r"min_lrs\[0\] must be >= 0, got -1.0"),
    (dict(min_lrs=[0.0, 0.0]), "min_lrs must be a list of 1"),
    (dict(best=math.nan), "best must be a finite number, got nan"),
    (dict(best="low"), "best must be a finite number"),
    (dict(_reduce_lr=0), r"unknown fields \['_reduce_lr'\]"),
])
def test_load_state_dict_checks_fields_and_changes_nothing_on_error(edit, message):
    scheduler = lr_scheduler.ReduceLROnPlateau(optim.SGD(params(initial_weights()), lr=0.1))
    scheduler.step(1.0)
    state = {**scheduler.state_dict(), **edit}
    before = dict(scheduler.__dict__)
    with pytest.raises(ValueError, match=message):
        scheduler.load_state_dict(state)
    assert scheduler.__dict__ == before


def test_constructor_errors():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    with pytest.raises(ValueError, match="ReduceLROnPlateau: factor must be in"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="ReduceLROnPlateau: expected 1 min_lrs, got 2"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0])
    with pytest.raises(TypeError, match="ReduceLROnPlateau: dict is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau({})
