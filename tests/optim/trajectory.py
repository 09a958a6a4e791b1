"""Shared helpers: run chainrule and PyTorch optimizers on the same weights and gradients."""
import numpy as np

import chainrule as cr

SHAPES = [(3, 4), (4,)]
STEPS = 10


def initial_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in SHAPES]


def gradients(steps=STEPS, seed=1):
    """One list of float64 gradients per step."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]


def params(weights):
    return [cr.nn.Parameter(w.copy()) for w in weights]


def run(optimizer, parameters, grads, scheduler=None, start=0):
    """Apply ``grads[start:]``, one optimizer (and scheduler) step each; return weight
    copies and learning rates after every step."""
    history = []
    for step_grads in grads[start:]:
        for p, g in zip(parameters, step_grads):
            p.grad = cr.from_numpy(g.copy())
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history.append(([p.detach().numpy().copy() for p in parameters], optimizer.param_groups[0]["lr"]))
    return history


def run_torch(torch, make, weights, grads, make_scheduler=None):
    parameters = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    optimizer = make(parameters)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    history = []
    for step_grads in grads:
        for p, g in zip(parameters, step_grads):
            p.grad = torch.tensor(g)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history.append(([p.detach().numpy().copy() for p in parameters], optimizer.param_groups[0]["lr"]))
    return history


def assert_same_history(ours, theirs, rtol=1e-12, atol=1e-14):
    assert len(ours) == len(theirs)
    for step, ((w1, lr1), (w2, lr2)) in enumerate(zip(ours, theirs)):
        assert abs(lr1 - lr2) <= 1e-12 * max(1.0, abs(lr2)), f"lr differs at step {step}: {lr1} vs {lr2}"
        for a, b in zip(w1, w2):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {step}")


def assert_trajectory_matches_torch(torch, name, config, steps=STEPS):
    """``chainrule.optim.<name>(**config)`` and ``torch.optim.<name>`` agree for ``steps`` steps."""
    from chainrule import optim

    weights, grads = initial_weights(), gradients(steps)
    parameters = params(weights)
    ours = run(getattr(optim, name)(parameters, **config), parameters, grads)
    theirs = run_torch(torch, lambda p: getattr(torch.optim, name)(p, **config), weights, grads)
    assert_same_history(ours, theirs)
