"""MultiStepLR, ExponentialLR, LinearLR, LambdaLR, CosineAnnealingWarmRestarts and
SequentialLR against torch.optim.lr_scheduler; state dicts (src/chainrule/optim/schedules.py)."""
import math
import warnings

import numpy as np
import pytest

from chainrule import optim
from chainrule.io import flatten_state, unflatten_state
from chainrule.optim import lr_scheduler

from .trajectory import assert_same_history, gradients, initial_weights, params, run, run_torch

STEPS = 25


def warm_then_decay(module, opt):
    return module.SequentialLR(opt, [module.LinearLR(opt, start_factor=0.1, total_iters=4),
                                     module.ExponentialLR(opt, gamma=0.9),
                                     module.CosineAnnealingLR(opt, T_max=6, eta_min=0.001)], milestones=[4, 12])


def inverse(epoch):
    return 1 / (1 + 0.3 * epoch)


SCHEDULES = [
    ("SGD", dict(lr=0.1, momentum=0.9), lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.5)),
    ("Adam", dict(lr=0.01), lambda m, o: m.MultiStepLR(o, milestones=[10, 2])),
    ("SGD", dict(lr=0.1), lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    ("RAdam", dict(lr=0.01), lambda m, o: m.ExponentialLR(o, gamma=0.8)),
    ("SGD", dict(lr=0.1, momentum=0.5), lambda m, o: m.LinearLR(o)),
    ("Adagrad", dict(lr=0.1), lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.8, total_iters=10)),
    ("SGD", dict(lr=0.1), lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=30)),
    ("SGD", dict(lr=0.1), lambda m, o: m.LambdaLR(o, lr_lambda=inverse)),
    ("Adam", dict(lr=0.01), lambda m, o: m.LambdaLR(o, lr_lambda=[lambda epoch: 0.95 ** epoch])),
    ("SGD", dict(lr=0.1), lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4)),
    ("Adadelta", dict(), lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9), warm_then_decay),
    ("SGD", dict(lr=0.1), lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, 0.5), m.MultiStepLR(o, [2, 5])], [6])),
]


@pytest.mark.parametrize("opt_name, opt_config, make", SCHEDULES)
def test_schedule_and_trajectory_match_torch(opt_name, opt_config, make):
    torch = pytest.importorskip("torch")
    weights, grads = initial_weights(), gradients(STEPS)
    parameters = params(weights)
    opt = getattr(optim, opt_name)(parameters, **opt_config)
    scheduler = make(lr_scheduler, opt)
    torch_opt = getattr(torch.optim, opt_name)([torch.nn.Parameter(torch.zeros(1))], **opt_config)
    assert scheduler.get_last_lr() == pytest.approx(make(torch.optim.lr_scheduler, torch_opt).get_last_lr(), rel=1e-13)
    ours = run(opt, parameters, grads, scheduler)
    theirs = run_torch(torch, lambda p: getattr(torch.optim, opt_name)(p, **opt_config), weights, grads,
                       lambda o: make(torch.optim.lr_scheduler, o))
    assert_same_history(ours, theirs)
    assert scheduler.get_last_lr() == [opt.param_groups[0]["lr"]]


@pytest.mark.parametrize("opt_name, opt_config, make", SCHEDULES)
def test_state_dicts_mid_run_continue_identically(opt_name, opt_config, make):
    weights, grads = initial_weights(), gradients(STEPS)
    straight = params(weights)
    opt = getattr(optim, opt_name)(straight, **opt_config)
    expected = run(opt, straight, grads, make(lr_scheduler, opt))

    first = params(weights)
    opt = getattr(optim, opt_name)(first, **opt_config)
    scheduler = make(lr_scheduler, opt)
    run(opt, first, grads[:9], scheduler)
    saved = unflatten_state(*flatten_state({"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict(),
                                            "weights": [p.detach().numpy().copy() for p in first]}))

    resumed = params(saved["weights"])
    opt2 = getattr(optim, opt_name)(resumed, **opt_config)
    scheduler2 = make(lr_scheduler, opt2)  # PyTorch's order: build both, then load the optimizer, then this
    opt2.load_state_dict(saved["optimizer"])
    scheduler2.load_state_dict(saved["scheduler"])
    assert scheduler2.get_last_lr() == scheduler.get_last_lr()
    history = run(opt2, resumed, grads, scheduler2, start=9)
    for (ours, lr), (reference, reference_lr) in zip(history, expected[9:], strict=True):
        assert lr == reference_lr
        for a, b in zip(ours, reference):
            np.testing.assert_array_equal(a, b)


def test_a_hand_set_lr_carries_on_in_chainable_schedules_as_in_torch():
    torch = pytest.importorskip("torch")
    ours_opt = optim.SGD(params(initial_weights()), lr=0.1)
    torch_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    ours, theirs = lr_scheduler.ExponentialLR(ours_opt, 0.9), torch.optim.lr_scheduler.ExponentialLR(torch_opt, 0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's "scheduler stepped before the optimizer"
        for step in range(12):
            if step == 4:
                ours_opt.param_groups[0]["lr"] = torch_opt.param_groups[0]["lr"] = 0.5
            ours.step()
            theirs.step()
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15)
    assert ours_opt.param_groups[0]["lr"] == pytest.approx(0.5 * 0.9 ** 8, rel=1e-14)


@pytest.mark.parametrize("make", [
    lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5]), lambda m, o: m.ExponentialLR(o, 0.7),
    lambda m, o: m.LinearLR(o, start_factor=0.2, total_iters=6), lambda m, o: m.LambdaLR(o, inverse),
])
def test_step_with_an_epoch_jumps_to_the_closed_form_as_in_torch(make):
    torch = pytest.importorskip("torch")
    ours = make(lr_scheduler, optim.SGD(params(initial_weights()), lr=0.1))
    theirs = make(torch.optim.lr_scheduler, torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch deprecates the argument
        for epoch in (3, 1, 8, 5):
            ours.step(epoch)
            theirs.step(epoch)
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-14)
    with pytest.raises(ValueError, match="epoch must be an integer >= 0, got -1"):
        ours.step(-1)


def test_warm_restarts_take_fractional_epochs_as_in_torch():
    torch = pytest.importorskip("torch")
    ours = lr_scheduler.CosineAnnealingWarmRestarts(optim.SGD(params(initial_weights()), lr=0.1), T_0=2, T_mult=3)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1), T_0=2, T_mult=3)
    for epoch in range(12):
        for i in range(4):
            ours.step(epoch + i / 4)
            theirs.step(epoch + i / 4)
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13, abs=1e-16)
    assert (ours.T_i, ours.last_epoch) == (theirs.T_i, theirs.last_epoch)


def test_lambdas_are_not_saved_and_restored_schedulers_keep_theirs():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    scheduler = lr_scheduler.LambdaLR(opt, [inverse])
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None] and state["last_epoch"] == 3
    flatten_state(state)  # only values: it can be written to a file
    other = lr_scheduler.LambdaLR(optim.SGD(params(initial_weights()), lr=0.1), lambda epoch: 0.0)
    other.load_state_dict(state)
    other.step()
    assert other.get_last_lr() == [0.0] and other.last_epoch == 4


def _sequential():
    return warm_then_decay(lr_scheduler, optim.SGD(params(initial_weights()), lr=0.1))


@pytest.mark.parametrize("make, edit, message", [
    (lambda: lr_scheduler.MultiStepLR(optim.SGD(params(initial_weights()), lr=0.1), [2, 4]),
     lambda s: s.update(milestones=[4, 2]), "milestones must be sorted"),
    (lambda: lr_scheduler.MultiStepLR(optim.SGD(params(initial_weights()), lr=0.1), [2, 4]),
     lambda s: s.update(milestones=[2, 4, 6]), r"milestones must be a list of 2"),
    (lambda: lr_scheduler.LinearLR(optim.SGD(params(initial_weights()), lr=0.1)),
     lambda s: s.update(total_iters=0), "LinearLR: total_iters must be an integer >= 1, got 0"),
    (lambda: lr_scheduler.LinearLR(optim.SGD(params(initial_weights()), lr=0.1)),
     lambda s: s.update(start_factor=0.0), r"start_factor must be a number in \(0.0, 1.0\], got 0.0"),
    (lambda: lr_scheduler.ExponentialLR(optim.SGD(params(initial_weights()), lr=0.1), 0.9),
     lambda s: s.update(gamma=math.nan), "gamma must be a finite number"),
    (lambda: lr_scheduler.ExponentialLR(optim.SGD(params(initial_weights()), lr=0.1), 0.9),
     lambda s: s.update(get_lr=0), r"unknown fields \['get_lr'\]"),
    (lambda: lr_scheduler.CosineAnnealingWarmRestarts(optim.SGD(params(initial_weights()), lr=0.1), 3),
     lambda s: s.update(T_i=0), r"T_i must be a number in \(0.0, inf\], got 0"),
    (lambda: lr_scheduler.CosineAnnealingWarmRestarts(optim.SGD(params(initial_weights()), lr=0.1), 3),
     lambda s: s.update(T_mult=1.5), "T_mult must be an integer >= 1, got 1.5"),
    (_sequential, lambda s: s.update(_milestones=[4, -1]), "each milestone must be an integer >= 0, got -1"),
    (_sequential, lambda s: s.update(_schedulers=s["_schedulers"][:2]), "_schedulers must be a list of 3"),
    (_sequential, lambda s: s["_schedulers"][2].update(T_max=0), "T_max must be a positive number, got 0"),
])
def test_load_state_dict_checks_fields_and_changes_nothing_on_error(make, edit, message):
    source, target = make(), make()
    for _ in range(5):
        source.step()
    state = unflatten_state(*flatten_state(source.state_dict()))
    edit(state)
    schedulers = [target, *getattr(target, "_schedulers", [])]
    before = [dict(s.__dict__) for s in schedulers]
    with pytest.raises(ValueError, match=message):
        target.load_state_dict(state)
    assert [s.__dict__ for s in schedulers] == before


def test_constructor_errors_name_the_problem():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    other = optim.SGD(params(initial_weights()), lr=0.1)
    with pytest.raises(ValueError, match="LambdaLR: expected 1 lr_lambdas, got 2"):
        lr_scheduler.LambdaLR(opt, [inverse, inverse])
    with pytest.raises(TypeError, match="LambdaLR: lr_lambda should be a function, got float"):
        lr_scheduler.LambdaLR(opt, 0.5)
    with pytest.raises(ValueError, match=r"SequentialLR: expected 1 milestones \(one fewer than schedulers\), got 0"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ExponentialLR(opt, 0.9), lr_scheduler.ExponentialLR(opt, 0.5)], [])
    with pytest.raises(ValueError, match=r"SequentialLR: schedulers\[0\] \(ExponentialLR\) belongs to another optimizer"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ExponentialLR(other, 0.9)], [])
    with pytest.raises(TypeError, match="ReduceLROnPlateau needs a metric"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ReduceLROnPlateau(opt)], [])
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts: T_0 must be an integer >= 1, got 0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
