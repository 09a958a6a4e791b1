import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.io import flatten_state, unflatten_state

from .trajectory import gradients, initial_weights, params, run

OPTIMIZERS = [
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.Adam, dict(lr=0.01, amsgrad=True)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (optim.Adadelta, dict(lr=0.5, weight_decay=0.1)),
    (optim.NAdam, dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
    (optim.RAdam, dict(lr=0.01, maximize=True)),
]


def json_round_trip(state_dict):
    """What a checkpoint does: arrays to one file (copied), the rest as JSON text."""
    arrays, structure = flatten_state(state_dict)
    arrays = {k: v.copy() for k, v in arrays.items()}
    return unflatten_state(arrays, structure)


@pytest.mark.parametrize("cls, config", OPTIMIZERS)
def test_resume_from_state_dict_continues_exactly(cls, config):
    weights, grads = initial_weights(), gradients()
    straight = params(weights)
    expected = run(cls(straight, **config), straight, grads)

    first = params(weights)
    opt = cls(first, **config)
    run(opt, first, grads[:5])
    saved_weights = [p.detach().numpy().copy() for p in first]
    saved_state = json_round_trip(opt.state_dict())

    resumed = params(saved_weights)
    opt2 = cls(resumed, lr=123.0)  # hyperparameters come back from the state dict
    opt2.load_state_dict(saved_state)
    assert opt2.param_groups[0]["lr"] == config["lr"]
    history = run(opt2, resumed, grads, start=5)
    for (ours, _), (reference, _) in zip(history, expected[5:]):
        for a, b in zip(ours, reference):
            np.testing.assert_array_equal(a, b)


def test_state_dict_layout():
    w = params(initial_weights())
    opt = optim.Adam(w, lr=0.01)
    run(opt, w, gradients(2))
    state = opt.state_dict()
    assert list(state) == ["state", "param_groups"]
    assert sorted(state["state"]) == [0, 1]
    assert state["state"][0]["step"] == 2 and state["state"][1]["exp_avg"].shape == (4,)
    assert state["param_groups"][0]["params"] == [0, 1]
    arrays, structure = flatten_state(state)
    assert sorted(arrays) == ["state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg", "state.1.exp_avg_sq"]
    back = unflatten_state(arrays, structure)
    assert [back["state"][i]["step"] for i in (0, 1)] == [2, 2]
    assert back["param_groups"][0]["betas"] == (0.9, 0.999)


def test_state_dict_loads_into_torch_and_back():
    torch = pytest.importorskip("torch")
    weights, grads = initial_weights(), gradients()
    ours = params(weights)
    opt = optim.Adam(ours, lr=0.01, weight_decay=0.1)
    run(opt, ours, grads[:4])
    theirs = [torch.nn.Parameter(torch.tensor(p.detach().numpy().copy())) for p in ours]
    torch_opt = torch.optim.Adam(theirs, lr=0.5)
    state = opt.state_dict()
    torch_opt.load_state_dict({
        "state": {i: {k: torch.tensor(v) for k, v in s.items()} for i, s in state["state"].items()},
        "param_groups": [dict(torch_opt.param_groups[0], **{k: v for k, v in g.items() if k != "params"},
                              params=g["params"]) for g in state["param_groups"]],
    })
    for step_grads in grads[4:]:
        for p, t, g in zip(ours, theirs, step_grads):
            p.grad, t.grad = cr.from_numpy(g.copy()), torch.tensor(g)
        opt.step()
        torch_opt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    back = optim.Adam(params(weights))
    back.load_state_dict(torch_opt.state_dict())  # torch tensors and a 0-d step load too
    assert back.state_dict()["state"][0]["step"] == 10


def test_load_state_dict_errors():
    w = params(initial_weights())
    opt = optim.SGD(w, lr=0.1, momentum=0.9)
    run(opt, w, gradients(1))
    state = opt.state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters in the state dict, 1 in the optimizer"):
        optim.SGD(w[:1], lr=0.1).load_state_dict(state)
    state["state"][1]["momentum_buffer"] = np.zeros(7)
    with pytest.raises(ValueError, match=r"state 1.momentum_buffer has shape \(7,\), the parameter \(4,\)"):
        optim.SGD(params(initial_weights()), lr=0.1).load_state_dict(state)


def test_param_groups_have_their_own_hyperparameters():
    a, b = params(initial_weights())
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0] and opt.param_groups[1]["momentum"] == 0.5
    a.grad, b.grad = cr.ones_like(a), cr.ones_like(b)
    before_a, before_b = a.detach().numpy().copy(), b.detach().numpy().copy()
    opt.step()
    np.testing.assert_allclose(before_a - a.detach().numpy(), 0.1)
    np.testing.assert_allclose(before_b - b.detach().numpy(), 1.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_zero_grad_and_skipped_parameters():
    a, b = params(initial_weights())
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = cr.ones_like(a)
    before = b.detach().numpy().copy()
    opt.step()  # b has no gradient: untouched
    np.testing.assert_array_equal(b.detach().numpy(), before)
    opt.zero_grad(set_to_none=False)
    assert a.grad is not None and not np.any(a.grad.numpy())
    opt.zero_grad()
    assert a.grad is None


def test_step_with_closure_returns_the_loss():
    w = cr.nn.Parameter(np.array([2.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    np.testing.assert_allclose(w.detach().numpy(), [1.0])


def test_bad_params():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.Adam(cr.nn.Parameter(np.ones(2)))
    with pytest.raises(ValueError, match="leaf Tensors that require grad"):
        optim.SGD([cr.ones(2)], lr=0.1)


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["param_groups"][0].update(lr="0.1"), r"param_groups\[0\]\['lr'\] must be a finite number, got '0.1'"),
    (lambda s: s["param_groups"][0].update(lr=None), r"\['lr'\] must be a finite number, got None"),
    (lambda s: s["param_groups"][0].update(lr=float("nan")), r"\['lr'\] must be a finite number, got nan"),
    (lambda s: s["param_groups"][0].update(lr=-1.0), r"\['lr'\] must be a non-negative number"),
    (lambda s: s["param_groups"][0].update(nesterov=1), r"\['nesterov'\] must be a boolean, got 1"),
    (lambda s: s["param_groups"][0].update(extra=[1, 2]), r"\['extra'\] must be a number, a boolean or None"),
    (lambda s: s["state"][0].update(momentum_buffer="ab"), r"state 0.momentum_buffer must hold finite numbers"),
    (lambda s: s["state"][0].update(momentum_buffer={"a": 1}), r"state 0.momentum_buffer must hold finite numbers"),
    (lambda s: s["state"][0].update(step=2.5), r"state 0.step must be a non-negative whole number, got 2.5"),
    (lambda s: s.update(state=[1]), r"expected \{'state'"),
    (lambda s: s["param_groups"].append(3), r"expected \{'state'"),
])
def test_load_state_dict_checks_every_value_and_changes_nothing_on_error(edit, message):
    w = params(initial_weights())
    opt = optim.SGD(w, lr=0.1, momentum=0.9)
    run(opt, w, gradients(1))
    state = opt.state_dict()
    edit(state)
    fresh = optim.SGD(params(initial_weights()), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=message):
        fresh.load_state_dict(state)
    assert fresh.state == {} and fresh.param_groups[0]["lr"] == 0.1 and "extra" not in fresh.param_groups[0]


def test_adam_betas_must_stay_a_pair_of_numbers():
    w = params(initial_weights())
    opt = optim.Adam(w, lr=0.1)
    state = opt.state_dict()
    state["param_groups"][0]["betas"] = [0.9]
    with pytest.raises(ValueError, match=r"\['betas'\] must be a list of 2, got \[0.9\]"):
        optim.Adam(params(initial_weights()), lr=0.1).load_state_dict(state)
    state["param_groups"][0]["betas"] = [0.9, "x"]
    with pytest.raises(ValueError, match=r"\['betas'\] must be a list whose item 1 is a finite number"):
        optim.Adam(params(initial_weights()), lr=0.1).load_state_dict(state)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_a_step_between_forward_and_backward_is_pytorchs_error(name):
    torch = pytest.importorskip("torch")

    after = []
    for lib, opt_module in ((cr, optim), (torch, torch.optim)):
        w = lib.nn.Parameter(lib.ones(3))
        opt = getattr(opt_module, name)([w], lr=0.1)
        y = (w * w).sum()
        y.backward(retain_graph=True)
        opt.step()  # changes w in place: the graph saved w
        assert w._version == 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
        after.append(w.detach().numpy().copy())
    np.testing.assert_allclose(after[0], after[1], rtol=1e-6)


NEW_OPTIMIZERS = ["Adagrad", "Adadelta", "NAdam", "RAdam"]


@pytest.mark.parametrize("name", NEW_OPTIMIZERS)
def test_defaults_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([cr.nn.Parameter(np.ones(1))]).defaults
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))]).defaults
    assert {k: theirs[k] for k in ours} == ours and set(theirs) - set(ours) <= {"capturable", "differentiable", "fused"}


@pytest.mark.parametrize("name, option", [(name, option) for name in NEW_OPTIMIZERS for option in
                                          ("capturable", "differentiable", "fused")
                                          if (name, option) not in {("Adagrad", "capturable"), ("Adadelta", "fused"),
                                                                    ("NAdam", "fused"), ("RAdam", "fused")}])
def test_gpu_only_options_are_refused_by_name(name, option):
    cls = getattr(optim, name)
    with pytest.raises(ValueError, match=f"{name}: {option}=True is not supported: chainrule runs one NumPy update"):
        cls([cr.nn.Parameter(np.ones(1))], **{option: True})
    cls([cr.nn.Parameter(np.ones(1))], **{option: None if option == "fused" else False})


@pytest.mark.parametrize("name, config", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                          ("Adagrad", dict(lr=0.1)), ("NAdam", dict(lr=0.01)),
                                          ("RAdam", dict(lr=0.01)), ("Adadelta", dict())])
def test_param_group_edits_and_added_groups_take_effect_as_in_torch(name, config):
    """``g['lr'] = ...`` between steps and ``add_param_group`` mid-run, each side alike."""
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # NAdam's mu_product (see test_nadam.py)
    try:
        weights, grads = initial_weights(), gradients(24)
        ours = [cr.nn.Parameter(w.copy()) for w in weights]
        theirs = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
        opts = [getattr(optim, name)(ours[:1], **config), getattr(torch.optim, name)(theirs[:1], **config)]
        for step, step_grads in enumerate(grads):
            if step == 8:
                for opt, group_params in zip(opts, (ours[1:], theirs[1:])):
                    opt.add_param_group({"params": group_params, "lr": 0.003})
            if step in (5, 15):
                for opt in opts:
                    for group in opt.param_groups:
                        group["lr"] *= 0.5
                    opt.param_groups[0]["weight_decay"] = 0.2
            for p, q, g in zip(ours, theirs, step_grads):
                p.grad, q.grad = cr.from_numpy(g.copy()), torch.tensor(g)
            for opt in opts:
                opt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14)
    finally:
        torch.set_default_dtype(previous)


def test_zero_grad_sets_gradients_to_none_by_default_as_torch():
    import inspect

    torch = pytest.importorskip("torch")
    ours = inspect.signature(optim.Optimizer.zero_grad).parameters["set_to_none"].default
    assert ours is inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default is True
