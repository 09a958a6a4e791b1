"""L1, smooth L1, Huber and KL divergence: values and gradients (of input and target) against
PyTorch, float64 gradcheck, and float32 kept."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.nn import functional as F

rng = np.random.default_rng(5)
X = rng.standard_normal((4, 3)) * 2
Y = rng.standard_normal((4, 3)) * 2
LOG_Q = np.log(rng.dirichlet(np.ones(3), 4))
P = rng.dirichlet(np.ones(3), 4)
P_WITH_ZEROS = np.where(P < 0.2, 0.0, P)

CASES = [  # (name, our call, PyTorch's call), each of (input, target, **options)
    ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 0.0}),
    ("huber_loss", {}), ("huber_loss", {"delta": 2.5}),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, options", CASES)
def test_pair_losses_match_torch_for_input_and_target(check_torch_parity, name, options, reduction):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    for dtype in (np.float64, np.float32):
        check_torch_parity(lambda x, t: ours(x, t, reduction=reduction, **options),
                           lambda x, t: theirs(x, t, reduction=reduction, **options), [X, Y], dtype)
    if options.get("beta", 1) or name != "smooth_l1_loss":  # away from the kinks |d| = beta
        gradcheck(lambda x, t: ours(x, t, reduction=reduction, **options), (X, Y))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # PyTorch's note on kl_div's 'mean'
@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(check_torch_parity, reduction, log_target):
    torch = pytest.importorskip("torch")
    target = np.log(P) if log_target else P
    for dtype in (np.float64, np.float32):
        check_torch_parity(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
                           lambda x, t: torch.nn.functional.kl_div(x, t, reduction=reduction, log_target=log_target),
                           [LOG_Q, target], dtype)
    gradcheck(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target), (LOG_Q, target))


def test_kl_div_zero_target_probabilities_add_nothing(check_torch_parity):
    torch = pytest.importorskip("torch")
    x = cr.tensor(LOG_Q, requires_grad=True)
    loss = F.kl_div(x, P_WITH_ZEROS, reduction="batchmean")
    expected = (P_WITH_ZEROS * (np.log(np.where(P_WITH_ZEROS > 0, P_WITH_ZEROS, 1)) - LOG_Q)).sum() / 4
    assert loss.item() == pytest.approx(expected, rel=1e-14)
    loss.backward()
    theirs = torch.tensor(LOG_Q, requires_grad=True)
    torch.nn.functional.kl_div(theirs, torch.from_numpy(P_WITH_ZEROS), reduction="batchmean").backward()
    np.testing.assert_allclose(x.grad, theirs.grad.numpy(), rtol=1e-14)


def test_batchmean_is_the_divergence_per_item():
    total = F.kl_div(cr.tensor(LOG_Q), P, reduction="sum").item()
    assert F.kl_div(cr.tensor(LOG_Q), P, reduction="batchmean").item() == pytest.approx(total / 4, rel=1e-15)
    assert F.kl_div(cr.tensor(LOG_Q), P).item() == pytest.approx(total / 12, rel=1e-15)


def test_errors_name_the_loss():
    x = cr.tensor(X)
    with pytest.raises(ValueError, match="huber_loss: delta must be non-negative, got -1"):
        F.huber_loss(x, Y, delta=-1)
    with pytest.raises(ValueError, match="kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got 'avg'"):
        F.kl_div(x, Y, reduction="avg")
    with pytest.raises(ValueError, match=r"smooth_l1_loss: target of shape \(4,\) does not match input of shape \(4, 3\)"):
        F.smooth_l1_loss(x, Y[:, 0])
