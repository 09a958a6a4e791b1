import pytest

from chainrule import optim
from chainrule.io import flatten_state, unflatten_state
from chainrule.optim import lr_scheduler

from .trajectory import assert_same_history, gradients, initial_weights, params, run, run_torch

STEPS = 25
SCHEDULES = [
    ("SGD", dict(lr=0.1, momentum=0.9), "StepLR", dict(step_size=4, gamma=0.5)),
    ("SGD", dict(lr=0.1), "CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("SGD", dict(lr=0.1, momentum=0.9), "OneCycleLR", dict(max_lr=0.5, total_steps=STEPS)),
    ("SGD", dict(lr=0.1), "OneCycleLR", dict(max_lr=0.5, total_steps=STEPS, anneal_strategy="linear",
                                            three_phase=True, pct_start=0.25)),
    ("Adam", dict(lr=0.01), "OneCycleLR", dict(max_lr=0.05, epochs=5, steps_per_epoch=5)),
    ("SGD", dict(lr=0.1), "OneCycleLR", dict(max_lr=0.5, total_steps=STEPS, cycle_momentum=False)),
]


def momenta(optimizer):
    group = optimizer.param_groups[0]
    return group["betas"][0] if "betas" in group else group["momentum"]


@pytest.mark.parametrize("opt_name, opt_config, name, config", SCHEDULES)
def test_schedule_and_trajectory_match_torch(opt_name, opt_config, name, config):
    torch = pytest.importorskip("torch")
    weights, grads = initial_weights(), gradients(STEPS)
    parameters = params(weights)
    opt = getattr(optim, opt_name)(parameters, **opt_config)
    scheduler = getattr(lr_scheduler, name)(opt, **config)
    torch_opt = getattr(torch.optim, opt_name)([torch.nn.Parameter(torch.zeros(1))], **opt_config)
    torch_scheduler = getattr(torch.optim.lr_scheduler, name)(torch_opt, **config)
    assert scheduler.get_last_lr() == pytest.approx(torch_scheduler.get_last_lr(), rel=1e-13)
    assert momenta(opt) == pytest.approx(momenta(torch_opt), rel=1e-13)

    ours = run(opt, parameters, grads, scheduler)
    theirs = run_torch(torch, lambda p: getattr(torch.optim, opt_name)(p, **opt_config), weights, grads,
                       lambda o: getattr(torch.optim.lr_scheduler, name)(o, **config))
    assert_same_history(ours, theirs, rtol=1e-11)


def test_step_lr_values():
    opt = optim.SGD(params(initial_weights()), lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(6):
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    assert lrs == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])


def test_resume_through_json_continues_the_schedule():
    weights = initial_weights()
    opt = optim.SGD(params(weights), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20)
    for _ in range(7):
        scheduler.step()
    # through JSON text, as in a checkpoint
    saved = unflatten_state(*flatten_state({"optimizer": opt.state_dict(),
                                            "scheduler": scheduler.state_dict()}))

    # the usual order: build both as for a fresh run, then load the optimizer, then the scheduler
    opt2 = optim.SGD(params(weights), lr=0.1, momentum=0.9)
    scheduler2 = lr_scheduler.OneCycleLR(opt2, max_lr=1.0, total_steps=20)
    opt2.load_state_dict(saved["optimizer"])
    scheduler2.load_state_dict(saved["scheduler"])
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for _ in range(5):
        scheduler.step()
        scheduler2.step()
        assert scheduler2.get_last_lr() == scheduler.get_last_lr()
        assert momenta(opt2) == momenta(opt)


def test_one_cycle_errors():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    with pytest.raises(ValueError, match="total_steps, or epochs and steps_per_epoch"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    scheduler.step()
    scheduler.step()
    with pytest.raises(ValueError, match="tried to step 3 times; total_steps is 2"):
        scheduler.step()
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optim.SGD(params(initial_weights()), lr=0.1), 2, last_epoch=3)


def _cosine():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    return lr_scheduler.CosineAnnealingLR(opt, T_max=10)


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.update(T_max=0), "CosineAnnealingLR: T_max must be a positive number, got 0"),
    (lambda s: s.update(T_max="10"), "T_max must be a finite number, got '10'"),
    (lambda s: s.update(last_epoch=-5), "last_epoch must be an integer >= -1, got -5"),
    (lambda s: s.update(last_epoch=2.5), "last_epoch must be an integer >= -1, got 2.5"),
    (lambda s: s.update(base_lrs=[0.1, 0.2]), r"base_lrs must be a list of 1, got \[0.1, 0.2\]"),
    (lambda s: s.update(step=0), r"unknown fields \['step'\]"),
    (lambda s: s.pop("eta_min"), r"missing \['eta_min'\]"),
])
def test_scheduler_load_state_dict_checks_fields_and_sets_only_known_ones(edit, message):
    source, target = _cosine(), _cosine()
    for _ in range(3):
        source.step()
    state = source.state_dict()
    edit(state)
    before = dict(target.__dict__)
    with pytest.raises(ValueError, match=message):
        target.load_state_dict(state)
    assert target.__dict__ == before
    target.step()  # still a working scheduler: its methods were not overwritten
    assert target.last_epoch == 1


def test_schedulers_refuse_settings_they_cannot_run_with():
    opt = optim.SGD(params(initial_weights()), lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive number, got 0"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=0)


def test_one_cycle_state_from_a_file_is_checked():
    opt = optim.SGD(params(initial_weights()), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20)
    state = scheduler.state_dict()
    for field, value, message in [("total_steps", 0, "total_steps must be a positive integer"),
                                  ("anneal_strategy", "cubic", "anneal_strategy must be 'cos' or 'linear'"),
                                  ("last_epoch", 21, "last_epoch 21 is past total_steps 20")]:
        with pytest.raises(ValueError, match=message):
            scheduler.load_state_dict({**state, field: value})
    broken = [list(p) for p in state["phases"]]
    broken[0][1] = "__class__"
    with pytest.raises(ValueError, match="phases must be PyTorch's table"):
        scheduler.load_state_dict({**state, "phases": broken})
